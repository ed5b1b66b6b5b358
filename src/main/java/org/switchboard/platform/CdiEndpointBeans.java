package org.switchboard.platform;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.literal.NamedLiteral;
import jakarta.enterprise.inject.spi.Bean;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.switchboard.dispatch.EndpointBeans;
import org.switchboard.endpoint.EndpointBehavior;

/**
 * Endpoint beans from CDI: a Weld SE container over this web application's class loader, so that
 * WEB-INF/classes and every jar in WEB-INF/lib with a META-INF/beans.xml contribute beans.
 */
final class CdiEndpointBeans implements EndpointBeans, AutoCloseable {

    private final WeldContainer container;

    private CdiEndpointBeans(WeldContainer container) {
        this.container = container;
    }

    static CdiEndpointBeans start(String id) {
        Weld weld = new Weld(id)
                .setClassLoader(CdiEndpointBeans.class.getClassLoader())
                .property("org.jboss.weld.se.shutdownHook", false) // the container's lifecycle stops it
                .property("org.jboss.weld.se.archive.isolation", false);
        return new CdiEndpointBeans(weld.initialize());
    }

    @Override
    public EndpointBehavior create(String name) {
        Instance<EndpointBehavior> instance = container.select(EndpointBehavior.class, NamedLiteral.of(name));
        if (!instance.isResolvable()) {
            throw new IllegalArgumentException("no endpoint bean named '" + name + "'");
        }
        return instance.get();
    }

    @Override
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        for (Bean<?> bean : container.getBeanManager().getBeans(EndpointBehavior.class, Any.Literal.INSTANCE)) {
            if (bean.getName() != null) {
                names.add(bean.getName());
            }
        }
        return names;
    }

    @Override
    public void release(EndpointBehavior instance) {
        container.destroy(instance);
    }

    @Override
    public void close() {
        if (container.isRunning()) {
            container.shutdown();
        }
    }
}
