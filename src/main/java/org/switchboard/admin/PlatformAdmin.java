package org.switchboard.admin;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.Version;
import org.switchboard.dispatch.routing.EndpointRef;
import org.switchboard.platform.Platform;
import org.switchboard.subscription.SubscriptionRecord;

/**
 * The platform's MBeans: this one (read-outs and operations) and the configuration ({@link ConfigurationAdmin}), both
 * under {@value #DOMAIN} with the context path as a key. Registered at start, removed at stop.
 */
public final class PlatformAdmin implements PlatformMBean, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformAdmin.class);
    public static final String DOMAIN = "org.switchboard";

    private final Platform platform;
    private final List<ObjectName> names = new ArrayList<>();
    private final MBeanServer server;

    private PlatformAdmin(Platform platform, MBeanServer server) {
        this.platform = platform;
        this.server = server;
    }

    /** Registers the platform's MBeans in the JVM's platform MBean server. */
    public static PlatformAdmin register(Platform platform, String contextPath) throws JMException {
        PlatformAdmin admin = new PlatformAdmin(platform, ManagementFactory.getPlatformMBeanServer());
        String context = ObjectName.quote(contextPath.isEmpty() ? "/" : contextPath);
        try {
            admin.add(new StandardMBean(admin, PlatformMBean.class), new ObjectName(DOMAIN + ":type=Platform,context=" + context));
            admin.add(new ConfigurationAdmin(platform.tunables()), new ObjectName(DOMAIN + ":type=Configuration,context=" + context));
        } catch (JMException | RuntimeException e) {
            admin.close();
            throw e;
        }
        return admin;
    }

    private void add(Object mbean, ObjectName name) throws JMException {
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
        server.registerMBean(mbean, name);
        names.add(name);
        LOG.info("Management: {}", name);
    }

    @Override
    public String getVersion() {
        return Version.current();
    }

    @Override
    public String getInstanceId() {
        return platform.identity().instanceId();
    }

    @Override
    public String getApplicationPool() {
        return platform.config().topology().applicationPool();
    }

    @Override
    public long getUptimeSeconds() {
        return platform.uptime().toSeconds();
    }

    @Override
    public String getPresenceViewStates() {
        return platform.presenceViews().countByState().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    @Override
    public String getPersistenceStatus() {
        return String.valueOf(platform.subscriptions().status());
    }

    @Override
    public String getRecoveryProgress() {
        return platform.recovery().map(r -> String.valueOf(r.progress())).orElse("persistence disabled");
    }

    @Override
    public String getPoolStatus() {
        return platform.pool().map(p -> String.valueOf(p.status())).orElse("not in a pool");
    }

    @Override
    public String getPresenceCounts() {
        return String.valueOf(platform.presence().counts());
    }

    @Override
    public String[] listEndpoints() {
        return platform.endpoints().endpoints().stream().map(PlatformAdmin::describe).toArray(String[]::new);
    }

    private static String describe(EndpointRef ref) {
        return ref.name() + " " + ref.owner() + " " + ref.gruu().uri() + ref.endpointId().map(id -> " epid=" + id).orElse("");
    }

    @Override
    public String[] listSubscriptions() {
        return platform.subscriptions().all().stream().map(PlatformAdmin::describe).sorted().toArray(String[]::new);
    }

    private static String describe(SubscriptionRecord r) {
        return r.direction() + " " + r.sipAor() + " " + r.xmppJid() + " " + r.state();
    }

    @Override
    public String[] listRegistrations() {
        return platform.registrations().stream().map(String::valueOf).toArray(String[]::new);
    }

    @Override
    public int refreshAllPresenceViews() {
        int targets = platform.presenceViews().refreshAll();
        LOG.info("Management: forced refresh of all presence views ({} targets, paced)", targets);
        return targets;
    }

    @Override
    public String recoverNow() {
        return platform.recovery().map(r -> {
            LOG.info("Management: recover now");
            return String.valueOf(r.recoverRestNow());
        }).orElse("persistence disabled: nothing to recover");
    }

    @Override
    public void close() {
        for (ObjectName name : names) {
            try {
                if (server.isRegistered(name)) {
                    server.unregisterMBean(name);
                }
            } catch (JMException e) {
                LOG.warn("Cannot unregister {}: {}", name, e.toString());
            }
        }
    }
}
