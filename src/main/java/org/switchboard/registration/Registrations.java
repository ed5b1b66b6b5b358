package org.switchboard.registration;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.switchboard.endpoint.Aor;
import org.switchboard.pool.LeaseKey;
import org.switchboard.pool.Owned;
import org.switchboard.pool.Ownership;
import org.switchboard.timing.Scheduler;
import org.switchboard.timing.SerialExecutor;

/**
 * Every endpoint registration of the platform: started once the container lets the application send SIP,
 * stopped (unregistered) with the platform, and listed with each one's recent events for operators.
 */
public final class Registrations implements AutoCloseable {

    /** Recent events kept per endpoint for listings; older ones are only in the log. */
    static final int EVENTS_KEPT = 20;

    private final RegistrationPolicy policy;
    private final RegistrarDiscovery discovery;
    private final RegistrarCache cache;
    private final Scheduler scheduler;
    private final Clock clock;
    /** The threads every registration's work runs on, each registration's in order ({@link SerialExecutor}). */
    private final Executor workers;
    /** Who registers which endpoint: every one here on a single instance; in a pool, the owner of its lease. */
    private final Ownership ownership;
    /** The registrations running here (owned here), by endpoint. */
    private final Map<String, Registration> byEndpoint = new ConcurrentSkipListMap<>();
    private final Map<String, Ownership.Claim> wanted = new ConcurrentHashMap<>();
    private final Map<String, Deque<RegistrationEvent>> events = new ConcurrentHashMap<>();
    private final List<RegistrationListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean open;

    /** Every registration's work on the calling thread: for tests on a manual clock. */
    public Registrations(RegistrationPolicy policy, RegistrarDiscovery discovery, RegistrarCache cache, Scheduler scheduler, Clock clock) {
        this(policy, discovery, cache, scheduler, clock, Runnable::run);
    }

    /** {@code workers}: where registrations handle their events, DNS lookups and cache writes (never a SIP thread). */
    public Registrations(RegistrationPolicy policy, RegistrarDiscovery discovery, RegistrarCache cache, Scheduler scheduler, Clock clock,
            Executor workers) {
        this(policy, discovery, cache, scheduler, clock, workers, Ownership.everything());
    }

    /** {@code ownership}: in a pool, an endpoint registers from the member that holds its lease, and only from there. */
    public Registrations(RegistrationPolicy policy, RegistrarDiscovery discovery, RegistrarCache cache, Scheduler scheduler, Clock clock,
            Executor workers, Ownership ownership) {
        this.ownership = ownership;
        this.workers = workers;
        this.policy = policy;
        this.discovery = discovery;
        this.cache = cache;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /**
     * Adds the registration of one endpoint: it runs where its lease is held (here, on a single instance), and starts at
     * once when SIP may already be sent, else at {@link #open}.
     */
    public void add(String endpoint, Aor user, Function<RegisterSender.Wire, RegisterSender> senderFor) {
        if (wanted.containsKey(endpoint)) {
            throw new IllegalArgumentException("the endpoint " + endpoint + " registers already");
        }
        wanted.put(endpoint, ownership.want(new LeaseKey(LeaseKey.Kind.REGISTRATION, endpoint), new Owned() {
            @Override
            public void acquired() {
                Registration registration = new Registration(endpoint, user, policy, discovery, cache, Registrations.this::record,
                        scheduler, clock, new SerialExecutor(workers), senderFor);
                byEndpoint.put(endpoint, registration);
                if (open) {
                    registration.start();
                }
            }

            @Override
            public void released(boolean handover) {
                Registration registration = byEndpoint.remove(endpoint);
                if (registration != null && handover) {
                    registration.stop();
                } else if (registration != null) {
                    registration.abandon();
                }
            }
        }));
    }

    /** SIP may be sent: every registration signs in (on the workers: discovery may wait for DNS). */
    public void open() {
        open = true;
        byEndpoint.values().forEach(Registration::start);
    }

    public void addListener(RegistrationListener listener) {
        listeners.add(listener);
    }

    /** Every registration now, by endpoint name. */
    public List<RegistrationSnapshot> snapshots() {
        return byEndpoint.values().stream().map(Registration::snapshot).toList();
    }

    /** The most recent events of one endpoint, oldest first. */
    public List<RegistrationEvent> recentEvents(String endpoint) {
        Deque<RegistrationEvent> kept = events.get(endpoint);
        if (kept == null) {
            return List.of();
        }
        synchronized (kept) {
            return new ArrayList<>(kept);
        }
    }

    private void record(RegistrationEvent event) {
        Deque<RegistrationEvent> kept = events.computeIfAbsent(event.endpoint(), e -> new ArrayDeque<>());
        synchronized (kept) {
            kept.addLast(event);
            while (kept.size() > EVENTS_KEPT) {
                kept.removeFirst();
            }
        }
        listeners.forEach(l -> l.onEvent(event));
    }

    /** Unregisters every endpoint. */
    @Override
    public void close() {
        open = false;
        byEndpoint.values().forEach(Registration::stop);
    }
}
