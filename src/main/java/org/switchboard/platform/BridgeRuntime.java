package org.switchboard.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.bridge.AddressMapping;
import org.switchboard.bridge.BridgeCounts;
import org.switchboard.bridge.BridgeStatus;
import org.switchboard.bridge.PresenceBridge;
import org.switchboard.bridge.XmppConnectionState;
import org.switchboard.bridge.xmpp.ComponentConnection;
import org.switchboard.config.BridgeSettings;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.dispatch.EndpointHost;
import org.switchboard.pool.Owned;
import org.switchboard.presence.PresenceStore;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.subscription.Recovery;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.timing.ExecutorScheduler;

/**
 * The bridge as it runs on this instance: its rules, its XMPP connection, and the threads they run on. On a single
 * instance it runs from start to stop. In a pool it runs on the member that holds the bridge's lease (it is the lease's
 * {@link Owned} work): when this member acquires the lease it connects the component and recovers the bridged
 * subscriptions from the database; when it loses or hands the lease over, the rules are retired (nothing queued acts any
 * more), the component disconnects, and the records in memory are forgotten. Each activation gets new rules and a new
 * connection, so that nothing of an earlier one leaks into the next.
 */
public final class BridgeRuntime implements BridgeStatus, Owned, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeRuntime.class);
    /** How often the component pings the server; a ping not answered by the next one means the stream is gone. */
    private static final Duration PING_INTERVAL = Duration.ofSeconds(5);

    /** One activation: the rules and the connection that go together. */
    private record Active(PresenceBridge rules, ComponentConnection connection) {
    }

    private final SwitchboardConfig config;
    private final AddressMapping mapping;
    private final PersistentSubscriptions subscriptions;
    private final PresenceStore presence;
    private final Clock clock;
    private final ExecutorService serial;
    private final ScheduledExecutorService timers;
    private final ExecutorScheduler scheduler;
    private final EndpointHost.BridgeSip sip;
    private final boolean pooled;
    private volatile Optional<Recovery> recovery = Optional.empty();
    private volatile Active active;
    private volatile boolean closed;

    private BridgeRuntime(SwitchboardConfig config, EndpointHost endpoints, PersistentSubscriptions subscriptions, PresenceStore presence,
            Clock clock, Supplier<Optional<String>> bridgeElsewhere, boolean pooled) {
        BridgeSettings settings = config.bridge();
        this.config = config;
        this.mapping = new AddressMapping(settings.componentDomain(), settings.xmppDomain(), settings.sipDomain(),
                settings.xmppUsersSipDomain());
        this.subscriptions = subscriptions;
        this.presence = presence;
        this.clock = clock;
        this.pooled = pooled;
        this.serial = Executors.newSingleThreadExecutor(DaemonThreads.named("switchboard-bridge"));
        this.timers = DaemonThreads.timer("switchboard-xmpp");
        this.scheduler = new ExecutorScheduler(timers);
        this.sip = endpoints.hostBridge(mapping, this::runningRules, bridgeElsewhere);
    }

    /**
     * The bridge of this instance. {@code pooled}: it runs only while this member holds the bridge's lease, and
     * {@code bridgeElsewhere} gives the SIP address of the member that runs it meanwhile; otherwise it runs once
     * {@link #acquired} is called at start.
     */
    static BridgeRuntime create(SwitchboardConfig config, EndpointHost endpoints, PersistentSubscriptions subscriptions,
            PresenceStore presence, Clock clock, Supplier<Optional<String>> bridgeElsewhere, boolean pooled) {
        return new BridgeRuntime(config, endpoints, subscriptions, presence, clock, bridgeElsewhere, pooled);
    }

    /** The recovery run that brings the bridged subscriptions back when the bridge starts here. */
    void useRecovery(Recovery run) {
        this.recovery = Optional.of(run);
    }

    private PresenceBridge runningRules() {
        Active now = active;
        return now == null ? null : now.rules();
    }

    /** The rules of the bridge while it runs here. */
    public Optional<PresenceBridge> rules() {
        return Optional.ofNullable(runningRules());
    }

    public AddressMapping mapping() {
        return mapping;
    }

    /** Recovery of an outgoing record: by the bridge running here (a record met while it does not is left as it is). */
    SubscriptionRecord recoverOutgoing(SubscriptionRecord record) {
        PresenceBridge rules = runningRules();
        return rules == null ? record : rules.recoverOutgoing(record);
    }

    SubscriptionRecord recoverIncoming(SubscriptionRecord record) {
        PresenceBridge rules = runningRules();
        return rules == null ? record : rules.recoverIncoming(record);
    }

    int purgeEndedCooldowns() {
        PresenceBridge rules = runningRules();
        return rules == null ? 0 : rules.purgeEndedCooldowns();
    }

    /**
     * The bridge starts here: new rules and a new connection; in a pool, the records are recovered from the database
     * (on a single instance the platform starts the recovery when the container is ready for SIP).
     */
    @Override
    public synchronized void acquired() {
        if (closed || active != null) {
            return;
        }
        BridgeSettings settings = config.bridge();
        ComponentConnection connection = new ComponentConnection(new ComponentConnection.Settings(settings.xmppHost(),
                settings.xmppPort(), settings.componentDomain(), settings.componentSecret(), settings.xmppDomain(),
                Duration.ofSeconds(settings.reconnectInitialSeconds()), Duration.ofSeconds(settings.reconnectMaxSeconds()),
                PING_INTERVAL), scheduler);
        PresenceBridge rules = new PresenceBridge(mapping, subscriptions, presence, connection, sip.watchers(), sip.following(),
                scheduler, clock, serial, Duration.ofSeconds(settings.cooldownSeconds()),
                Duration.ofSeconds(settings.incomingExpiresSeconds()), config.presence().maxDocumentChars());
        recovery.ifPresent(rules::useRecovery);
        active = new Active(rules, connection);
        if (pooled) {
            LOG.info("Bridge: this member runs the XMPP bridge now ({}): connecting the component and recovering the bridged "
                    + "subscriptions", settings.componentDomain());
            recovery.ifPresent(Recovery::rerun);
        }
        connection.start(rules);
    }

    /**
     * The bridge stops here (another member runs it from now on). The rules are retired first, so that nothing queued
     * acts for a subscription any more, then the component disconnects and the records in memory are forgotten (their
     * writes still waiting go to the database first).
     */
    @Override
    public synchronized void released(boolean handover) {
        Active was = active;
        if (was == null) {
            return;
        }
        active = null;
        recovery.ifPresent(Recovery::stop);
        was.rules().retire(handover);
        was.connection().close();
        serial.execute(() -> {
            try {
                subscriptions.forgetAll();
            } catch (RuntimeException e) {
                LOG.warn("Bridge: cannot write the last subscription changes before handing the bridge on: {}", e.toString());
            }
        });
    }

    @Override
    public XmppConnectionState state() {
        Active now = active;
        if (now == null) {
            return pooled ? XmppConnectionState.STANDBY : XmppConnectionState.DISCONNECTED;
        }
        return now.connection().state();
    }

    /** Why the XMPP connection is not up, or empty. */
    public Optional<String> problem() {
        Active now = active;
        return now == null ? Optional.empty() : now.connection().lastProblem();
    }

    @Override
    public BridgeCounts counts() {
        Active now = active;
        return now == null ? new BridgeCounts(0, 0, 0, 0, 0) : now.rules().counts();
    }

    @Override
    public void close() {
        Active was;
        synchronized (this) {
            closed = true;
            was = active;
            active = null;
        }
        if (was != null) {
            was.connection().close();
            was.rules().close();
        }
        serial.shutdown();
        try {
            serial.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timers.shutdownNow();
        // Whack keeps one timer and one pool for all its components, per class loader: they go with the application.
        org.jivesoftware.whack.util.TaskEngine.getInstance().shutdown();
    }
}
