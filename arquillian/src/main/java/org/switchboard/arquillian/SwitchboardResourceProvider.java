package org.switchboard.arquillian;

import java.lang.annotation.Annotation;
import org.jboss.arquillian.container.spi.client.protocol.metadata.ProtocolMetaData;
import org.jboss.arquillian.container.test.impl.enricher.resource.OperatesOnDeploymentAwareProvider;
import org.jboss.arquillian.core.api.Instance;
import org.jboss.arquillian.core.api.annotation.Inject;
import org.jboss.arquillian.test.api.ArquillianResource;

/** Gives a test {@code @ArquillianResource DeployedSwitchboard}: the addresses of the current deployment. */
public final class SwitchboardResourceProvider extends OperatesOnDeploymentAwareProvider {

    @Inject
    private Instance<ProtocolMetaData> protocolMetaData;

    @Override
    public boolean canProvide(Class<?> type) {
        return DeployedSwitchboard.class.isAssignableFrom(type);
    }

    @Override
    public Object doLookup(ArquillianResource resource, Annotation... qualifiers) {
        ProtocolMetaData metaData = protocolMetaData.get();
        return metaData == null ? null : metaData.getContext(DeployedSwitchboard.class);
    }
}
