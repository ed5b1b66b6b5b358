package org.switchboard.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.switchboard.bridge.AddressMapping;
import org.switchboard.bridge.BridgeCounts;
import org.switchboard.bridge.BridgeStatus;
import org.switchboard.bridge.PresenceBridge;
import org.switchboard.bridge.XmppConnectionState;
import org.switchboard.bridge.xmpp.ComponentConnection;
import org.switchboard.config.BridgeSettings;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.dispatch.EndpointHost;
import org.switchboard.presence.PresenceStore;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.timing.ExecutorScheduler;

/** The running bridge: its rules, its XMPP connection, and the threads they run on. */
public final class BridgeRuntime implements BridgeStatus, AutoCloseable {

    /** How often the component pings the server; a ping not answered by the next one means the stream is gone. */
    private static final Duration PING_INTERVAL = Duration.ofSeconds(5);

    private final PresenceBridge rules;
    private final ComponentConnection connection;
    private final ExecutorService serial;
    private final ScheduledExecutorService timers;

    private BridgeRuntime(PresenceBridge rules, ComponentConnection connection, ExecutorService serial, ScheduledExecutorService timers) {
        this.rules = rules;
        this.connection = connection;
        this.serial = serial;
        this.timers = timers;
    }

    static BridgeRuntime start(SwitchboardConfig config, EndpointHost endpoints, PersistentSubscriptions subscriptions,
            PresenceStore presence, Clock clock) {
        BridgeSettings settings = config.bridge();
        AddressMapping mapping = new AddressMapping(settings.componentDomain(), settings.xmppDomain(), settings.sipDomain(),
                settings.xmppUsersSipDomain());
        ExecutorService serial = Executors.newSingleThreadExecutor(DaemonThreads.named("switchboard-bridge"));
        ScheduledExecutorService timers = DaemonThreads.timer("switchboard-xmpp");
        ExecutorScheduler scheduler = new ExecutorScheduler(timers);
        ComponentConnection connection = new ComponentConnection(new ComponentConnection.Settings(settings.xmppHost(),
                settings.xmppPort(), settings.componentDomain(), settings.componentSecret(), settings.xmppDomain(),
                Duration.ofSeconds(settings.reconnectInitialSeconds()), Duration.ofSeconds(settings.reconnectMaxSeconds()),
                PING_INTERVAL), scheduler);
        PresenceBridge[] made = new PresenceBridge[1];
        EndpointHost.BridgeSip sip = endpoints.hostBridge(mapping, () -> made[0]);
        made[0] = new PresenceBridge(mapping, subscriptions, presence, connection, sip.watchers(), sip.following(), scheduler, clock,
                serial, Duration.ofSeconds(settings.cooldownSeconds()), Duration.ofSeconds(settings.incomingExpiresSeconds()),
                config.presence().maxDocumentChars());
        return new BridgeRuntime(made[0], connection, serial, timers);
    }

    /** Starts connecting to the XMPP server; after every connection the bridge replays what XMPP may have missed. */
    void connect() {
        connection.start(rules);
    }

    public PresenceBridge rules() {
        return rules;
    }

    @Override
    public XmppConnectionState state() {
        return connection.state();
    }

    /** Why the XMPP connection is not up, or empty. */
    public java.util.Optional<String> problem() {
        return connection.lastProblem();
    }

    @Override
    public BridgeCounts counts() {
        return rules.counts();
    }

    @Override
    public void close() {
        connection.close();
        rules.close();
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
