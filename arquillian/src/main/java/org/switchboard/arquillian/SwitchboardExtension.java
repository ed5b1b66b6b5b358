package org.switchboard.arquillian;

import org.jboss.arquillian.container.spi.client.container.DeployableContainer;
import org.jboss.arquillian.core.spi.LoadableExtension;
import org.jboss.arquillian.test.spi.enricher.resource.ResourceProvider;

/** Registers the Switchboard container with Arquillian (through META-INF/services). */
public final class SwitchboardExtension implements LoadableExtension {

    @Override
    public void register(ExtensionBuilder builder) {
        builder.service(DeployableContainer.class, SwitchboardContainer.class)
                .service(ResourceProvider.class, SwitchboardResourceProvider.class);
    }
}
