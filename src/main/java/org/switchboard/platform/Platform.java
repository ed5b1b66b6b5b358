package org.switchboard.platform;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.servlet.ServletContext;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.dispatch.EndpointHost;
import org.switchboard.metrics.SwitchboardMetrics;
import org.switchboard.pool.PoolMember;
import org.switchboard.presence.PresenceStore;
import org.switchboard.presence.view.PresenceViews;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.subscription.Recovery;
import java.util.List;
import java.util.Optional;
import org.switchboard.registration.Director;
import org.switchboard.registration.RegistrationEvent;
import org.switchboard.registration.RegistrationSnapshot;
import org.switchboard.registration.Registrations;
import org.switchboard.store.Database;
import org.switchboard.store.InstanceIdentity;

/**
 * Everything the deployed application runs on, built once at start-up and kept in a servlet
 * context attribute so that servlets find it without static state.
 */
public final class Platform implements AutoCloseable {

    private static final String ATTRIBUTE = Platform.class.getName();

    private final SwitchboardConfig config;
    private final Database database;
    private final InstanceIdentity identity;
    private final Clock clock;
    private final Instant startedAt;
    private final EndpointHost endpoints;
    private final PresenceStore presence;
    private final PresenceViews views;
    private final PersistentSubscriptions subscriptions;
    private final Recovery recovery;
    private final Optional<BridgeRuntime> bridge;
    private final Tunables tunables;
    private final SwitchboardMetrics metrics;
    private final Registrations registrations;
    private final Optional<Director> director;
    private final Optional<PoolMember> pool;
    private final AutoCloseable[] resources;

    /** {@code resources} are closed in reverse order when the platform stops. */
    Platform(SwitchboardConfig config, Database database, InstanceIdentity identity, Clock clock,
            EndpointHost endpoints, PresenceStore presence, PresenceViews views, PersistentSubscriptions subscriptions, Recovery recovery,
            Optional<BridgeRuntime> bridge, Tunables tunables, SwitchboardMetrics metrics, Registrations registrations,
            Optional<Director> director, Optional<PoolMember> pool, AutoCloseable... resources) {
        this.config = config;
        this.database = database;
        this.identity = identity;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.endpoints = endpoints;
        this.presence = presence;
        this.views = views;
        this.subscriptions = subscriptions;
        this.recovery = recovery;
        this.bridge = bridge;
        this.tunables = tunables;
        this.metrics = metrics;
        this.registrations = registrations;
        this.director = director;
        this.pool = pool;
        this.resources = resources.clone();
    }

    public static Platform of(ServletContext context) {
        Object platform = context.getAttribute(ATTRIBUTE);
        if (platform == null) {
            throw new IllegalStateException("Switchboard has not started in this context");
        }
        return (Platform) platform;
    }

    void attachTo(ServletContext context) {
        context.setAttribute(ATTRIBUTE, this);
    }

    static void detachFrom(ServletContext context) {
        context.removeAttribute(ATTRIBUTE);
    }

    public SwitchboardConfig config() {
        return config;
    }

    public InstanceIdentity identity() {
        return identity;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Duration uptime() {
        return Duration.between(startedAt, clock.instant());
    }

    public EndpointHost endpoints() {
        return endpoints;
    }

    public PresenceStore presence() {
        return presence;
    }

    /** Every presence view of the platform: forced refresh of all of them, or of one endpoint's. */
    public PresenceViews presenceViews() {
        return views;
    }

    /** Bridged subscriptions: memory authoritative, the database behind. */
    public PersistentSubscriptions subscriptions() {
        return subscriptions;
    }

    /** The recovery run of this start; empty with persistence disabled. */
    public Optional<Recovery> recovery() {
        return Optional.ofNullable(recovery);
    }

    /** The SIP <-> XMPP bridge; empty when it is not enabled. */
    public Optional<BridgeRuntime> bridge() {
        return bridge;
    }

    /** The configuration in force, and the keys an operator may change at run time. */
    public Tunables tunables() {
        return tunables;
    }

    /** The platform's meters (JMX and Prometheus). */
    public SwitchboardMetrics metrics() {
        return metrics;
    }

    /** Every endpoint registration now (read-only snapshots, by endpoint name); empty when none registers. */
    public List<RegistrationSnapshot> registrations() {
        return registrations.snapshots();
    }

    /** The recent steps of one endpoint's registration, oldest first. */
    public List<RegistrationEvent> registrationEvents(String endpoint) {
        return registrations.recentEvents(endpoint);
    }

    /** Director mode's registrar lookup, when {@code registration.director} is on. */
    public Optional<Director> director() {
        return director;
    }

    /** This instance's membership of its pool, with {@code pool.enabled}. */
    public Optional<PoolMember> pool() {
        return pool;
    }

    /** Starts what waits for the container's permission to send SIP: registrations sign in. */
    void openRegistrations() {
        registrations.open();
    }

    @Override
    public void close() {
        for (int i = resources.length - 1; i >= 0; i--) {
            Closing.quietly(resources[i]);
        }
        database.close();
    }
}
