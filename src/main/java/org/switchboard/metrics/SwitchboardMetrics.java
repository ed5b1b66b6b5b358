package org.switchboard.metrics;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.switchboard.bridge.BridgeStatus;
import org.switchboard.bridge.XmppConnectionState;
import org.switchboard.dispatch.routing.DispatchCounts;
import org.switchboard.dispatch.routing.Rule;
import org.switchboard.dispatch.routing.RoutingDecision;
import org.switchboard.pool.LeaseKey;
import org.switchboard.pool.MemberState;
import org.switchboard.pool.PoolMember;
import org.switchboard.tls.CertificateExpiry;
import org.switchboard.presence.PresenceStore;
import org.switchboard.presence.view.PresenceViews;
import org.switchboard.presence.view.SubscriptionState;
import org.switchboard.subscription.PersistenceStatus;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.subscription.Recovery;

/**
 * The platform's metrics (Micrometer), over JMX (domain {@value #JMX_DOMAIN}) and as Prometheus text. Every
 * meter reads a counter the application keeps anyway (function counters and gauges), so nothing on the hot
 * path changes for metrics.
 */
public final class SwitchboardMetrics implements AutoCloseable {

    public static final String JMX_DOMAIN = "org.switchboard.metrics";
    /** Rejection codes dispatch can give; others get a meter when first seen ({@link #scrape()}). */
    private static final Set<Integer> KNOWN_REJECTIONS = Set.of(400, 404, 481, 485);

    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JmxMeterRegistry jmx;
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final DispatchCounts dispatch;
    private final Set<Integer> rejectionMeters = ConcurrentHashMap.newKeySet();

    /**
     * The application's parts whose counts become meters; {@code recovery} is empty with persistence off,
     * {@code tlsCertificate} without SIP over TLS.
     */
    public record Sources(DispatchCounts dispatch, PresenceStore presence, PresenceViews views, PersistentSubscriptions subscriptions,
            Optional<Recovery> recovery, Optional<BridgeStatus> bridge, Optional<CertificateExpiry> tlsCertificate,
            Optional<PoolMember> pool) {
    }

    public SwitchboardMetrics(Sources sources) {
        jmx = new JmxMeterRegistry(new JmxConfig() {
            @Override
            public String domain() {
                return JMX_DOMAIN;
            }

            @Override
            public String get(String key) {
                return null;
            }
        }, Clock.SYSTEM);
        registry.add(prometheus);
        registry.add(jmx);
        this.dispatch = sources.dispatch();
        bindDispatch();
        bindPresence(sources.presence(), sources.views());
        bindPersistence(sources.subscriptions());
        sources.recovery().ifPresent(this::bindRecovery);
        sources.bridge().ifPresent(this::bindBridge);
        sources.tlsCertificate().ifPresent(this::bindTlsCertificate);
        sources.pool().ifPresent(this::bindPool);
    }

    private void bindPool(PoolMember pool) {
        for (LeaseKey.Kind kind : LeaseKey.Kind.values()) {
            Gauge.builder("switchboard.pool.leases", pool, p -> p.status().owned().getOrDefault(kind, 0))
                    .description("Leases this instance holds (the work it does for the pool), by kind").tags("kind", tag(kind.name()))
                    .register(registry);
        }
        for (MemberState state : MemberState.values()) {
            Gauge.builder("switchboard.pool.members", pool, p -> p.status().members().stream().filter(m -> m.state() == state).count())
                    .description("Members of the pool in the member table at the last renewal, by state").tags("state", tag(state.name()))
                    .register(registry);
        }
        FunctionCounter.builder("switchboard.pool.takeovers", pool, p -> p.status().takeovers())
                .description("Leases taken over from members whose membership lapsed").register(registry);
        FunctionCounter.builder("switchboard.pool.handovers", pool, p -> p.status().handovers())
                .description("Leases handed over (draining, rebalancing)").register(registry);
        FunctionCounter.builder("switchboard.pool.lost", pool, p -> p.status().lost())
                .description("Leases stopped here because another member holds them or the membership could not be renewed")
                .register(registry);
    }

    private void bindTlsCertificate(CertificateExpiry certificate) {
        Gauge.builder("switchboard.tls.certificate.days.until.expiry", certificate, CertificateExpiry::daysUntilExpiry)
                .description("Whole days until the SIP over TLS listener's certificate expires (negative once it has)")
                .tags("subject", certificate.subject()).register(registry);
    }

    private void bindBridge(BridgeStatus bridge) {
        for (XmppConnectionState state : XmppConnectionState.values()) {
            Gauge.builder("switchboard.xmpp.connection.state", bridge, b -> b.state() == state ? 1 : 0)
                    .description("1 for the bridge's XMPP connection state now, 0 for the others").tags("state", tag(state.name()))
                    .register(registry);
        }
        Gauge.builder("switchboard.bridge.subscriptions", bridge, b -> b.counts().outgoing())
                .description("Bridged subscriptions by direction").tags("direction", "outgoing_sip").register(registry);
        Gauge.builder("switchboard.bridge.subscriptions", bridge, b -> b.counts().incoming())
                .description("Bridged subscriptions by direction").tags("direction", "incoming_sip").register(registry);
        FunctionCounter.builder("switchboard.bridge.forwarded", bridge, b -> b.counts().forwardedToXmpp())
                .description("Presence forwarded by the bridge").tags("to", "xmpp").register(registry);
        FunctionCounter.builder("switchboard.bridge.forwarded", bridge, b -> b.counts().forwardedToSip())
                .description("Presence forwarded by the bridge").tags("to", "sip").register(registry);
        FunctionCounter.builder("switchboard.bridge.dropped.out.of.order", bridge, b -> b.counts().droppedOutOfOrder())
                .description("SIP presence not forwarded to XMPP because something newer had been").register(registry);
    }

    private void bindDispatch() {
        for (Rule rule : Rule.values()) {
            requests(tag(rule.name()), "delivered", d -> d.delivered(rule));
        }
        for (RoutingDecision.Reason reason : RoutingDecision.Reason.values()) {
            requests(tag(reason.name()), "default_routed", d -> d.defaultRouted(reason));
        }
        requests("none", "keep_alive", DispatchCounts::keepAlives);
        requests("none", "rejected", d -> d.rejections().values().stream().mapToLong(Long::longValue).sum());
        KNOWN_REJECTIONS.forEach(this::rejectionMeter);
    }

    private void requests(String rule, String outcome, ToDoubleFunction<DispatchCounts> count) {
        FunctionCounter.builder("switchboard.dispatch.requests", dispatch, count)
                .description("Incoming requests by the dispatch rule that decided and what became of them")
                .tags("rule", rule, "outcome", outcome).register(registry);
    }

    private void rejectionMeter(int code) {
        if (rejectionMeters.add(code)) {
            FunctionCounter.builder("switchboard.dispatch.rejections", dispatch, d -> d.rejections(code))
                    .description("Requests the platform rejected because no single endpoint matched, by status code")
                    .tags("code", String.valueOf(code)).register(registry);
        }
    }

    private void bindPresence(PresenceStore presence, PresenceViews views) {
        Map<String, ToDoubleFunction<PresenceStore>> outcomes = Map.of(
                "accepted", p -> p.counts().accepted(),
                "out_of_order", p -> p.counts().outOfOrder(),
                "duplicate", p -> p.counts().duplicates(),
                "untimed", p -> p.counts().untimed(),
                "refused", p -> p.counts().refused(),
                "store_failure", p -> p.counts().storeFailures());
        outcomes.forEach((outcome, count) -> FunctionCounter.builder("switchboard.presence.updates", presence, count)
                .description("Presence updates offered (from NOTIFYs and other sources) by what became of them; "
                        + "out_of_order ones were dropped because a newer one had been seen")
                .tags("outcome", outcome).register(registry));
        for (SubscriptionState state : SubscriptionState.values()) {
            Gauge.builder("switchboard.presence.view.targets", views, v -> v.countByState().getOrDefault(state, 0L))
                    .description("Presence-view targets by subscription state").tags("state", tag(state.name())).register(registry);
        }
        Gauge.builder("switchboard.presence.view.refreshes.waiting", views, PresenceViews::refreshesWaiting)
                .description("Paced SUBSCRIBEs waiting to go out").register(registry);
    }

    private void bindPersistence(PersistentSubscriptions subscriptions) {
        counter("switchboard.persistence.writes", subscriptions, PersistenceStatus::writes, "Subscription records written to the database");
        counter("switchboard.persistence.retries", subscriptions, PersistenceStatus::retries, "Database writes retried");
        counter("switchboard.persistence.breaker.transitions", subscriptions, PersistenceStatus::transitions,
                "Circuit-breaker state changes of the subscription database");
        counter("switchboard.persistence.resyncs", subscriptions, PersistenceStatus::resyncs,
                "Write-backs of every record after the database came back");
        Gauge.builder("switchboard.persistence.writes.pending", subscriptions, s -> s.status().pendingWrites())
                .description("Changes not yet in the database").register(registry);
        Gauge.builder("switchboard.persistence.records", subscriptions, s -> s.status().records())
                .description("Subscription records in memory").register(registry);
        for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
            Gauge.builder("switchboard.persistence.breaker.state", subscriptions, s -> s.status().breaker().equals(state.name()) ? 1 : 0)
                    .description("1 for the circuit breaker's current state, 0 for the others").tags("state", tag(state.name()))
                    .register(registry);
        }
    }

    private void counter(String name, PersistentSubscriptions subscriptions, ToDoubleFunction<PersistenceStatus> count, String description) {
        FunctionCounter.builder(name, subscriptions, s -> count.applyAsDouble(s.status())).description(description).register(registry);
    }

    private void bindRecovery(Recovery recovery) {
        Gauge.builder("switchboard.recovery.recovered", recovery, r -> r.progress().recovered())
                .description("Subscription records recovered by this start's recovery run").register(registry);
        Gauge.builder("switchboard.recovery.records", recovery, r -> r.progress().total())
                .description("Subscription records there were to recover when the run started").register(registry);
        Gauge.builder("switchboard.recovery.batches", recovery, r -> r.progress().batches())
                .description("Recovery batches done").register(registry);
        Gauge.builder("switchboard.recovery.finished", recovery, r -> r.progress().finished() ? 1 : 0)
                .description("1 once recovery has recovered everything").register(registry);
    }

    /** Everything as Prometheus text (format 0.0.4). */
    public String scrape() {
        dispatch.rejections().keySet().forEach(this::rejectionMeter);
        return prometheus.scrape();
    }

    /** The registry the meters live in, for tests and for later features to add theirs. */
    public MeterRegistry registry() {
        return registry;
    }

    private static String tag(String constant) {
        return constant.toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        registry.close();
        jmx.close();
        prometheus.close();
    }
}
