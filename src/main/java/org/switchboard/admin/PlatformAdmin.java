package org.switchboard.admin;

import java.lang.management.ManagementFactory;
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

/** The platform's MBean: read-outs and operations for the admin console. Registered at start, removed at stop. */
public final class PlatformAdmin implements PlatformMBean, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformAdmin.class);
    public static final String DOMAIN = "org.switchboard";

    private final Platform platform;
    private final ObjectName name;
    private final MBeanServer server;

    private PlatformAdmin(Platform platform, ObjectName name, MBeanServer server) {
        this.platform = platform;
        this.name = name;
        this.server = server;
    }

    /** Registers the platform's MBean in the JVM's platform MBean server. */
    public static PlatformAdmin register(Platform platform, String contextPath) throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(DOMAIN + ":type=Platform,context=" + ObjectName.quote(contextPath.isEmpty() ? "/" : contextPath));
        PlatformAdmin admin = new PlatformAdmin(platform, name, server);
        if (server.isRegistered(name)) {
            server.unregisterMBean(name);
        }
        server.registerMBean(new StandardMBean(admin, PlatformMBean.class), name);
        LOG.info("Management: {}", name);
        return admin;
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
        int targets = platform.presenceViews().views().stream().mapToInt(v -> v.targets().size()).sum();
        platform.presenceViews().refreshAll();
        LOG.info("Management: forced refresh of all presence views ({} targets, paced)", targets);
        return targets;
    }

    @Override
    public void close() {
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        } catch (JMException e) {
            LOG.warn("Cannot unregister {}: {}", name, e.toString());
        }
    }
}
