package org.switchboard.presence.view;

import org.switchboard.timing.Scheduler;
import org.switchboard.timing.SerialExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.pool.LeaseKey;
import org.switchboard.pool.Owned;
import org.switchboard.pool.Ownership;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceDocumentException;
import org.switchboard.presence.PresenceDocuments;

/**
 * A view of the presence of remote users, in the spirit of UCMA's RemotePresenceView: add and remove
 * targets, receive their presence and every change of their subscriptions. One subscription per target,
 * each its own state machine ({@link TargetSubscription}).
 */
public final class RemotePresenceView implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemotePresenceView.class);

    private final String owner;
    private final ViewMode mode;
    private final Supplier<ViewPolicy> policy;
    private final PresenceViewListener listener;
    private final SubscribeSender sender;
    private final Runnable onClose;
    private final Scheduler scheduler;
    private final RefreshPacer pacer;
    private final PresenceDocuments documents;
    private final Clock clock;
    private final DoubleSupplier random;
    /** The threads this view's listener is called on (each target's events in order, on a serial executor of its own). */
    private final Executor deliveryThreads;
    /** Who subscribes to which target: this instance for all on its own; in a pool, the holder of the target's lease. */
    private final Ownership ownership;
    /** The first part of this view's lease keys: its endpoint and its number among the endpoint's views. */
    private final String leasePrefix;
    /** Every target the view wants, subscribed here or (in a pool) by another member. */
    private final Map<Aor, Ownership.Claim> wanted = new ConcurrentHashMap<>();
    /** The targets subscribed from this instance. */
    private final Map<Aor, TargetSubscription> targets = new ConcurrentHashMap<>();
    /** Removed targets still unsubscribing: their answers and last NOTIFYs still find them. */
    private final Map<Aor, TargetSubscription> leaving = new ConcurrentHashMap<>();
    private final LongAdder refusedBodies = new LongAdder();
    private final Wire wire = new Wire();
    private final AtomicLong dialogs = new AtomicLong();
    private volatile boolean closed;
    private Scheduler.Cancellable periodicRefresh;

    RemotePresenceView(String owner, ViewMode mode, Supplier<ViewPolicy> policy, PresenceViewListener listener,
            Function<Wire, SubscribeSender> edge, Scheduler scheduler, RefreshPacer pacer, PresenceDocuments documents,
            Clock clock, DoubleSupplier random, Runnable onClose) {
        this(owner, mode, policy, listener, edge, scheduler, pacer, documents, clock, random, Runnable::run, onClose,
                Ownership.everything(), owner + "#1");
    }

    /** {@code deliveryThreads}: where the listener hears each target's transitions and presence, in order per target. */
    RemotePresenceView(String owner, ViewMode mode, Supplier<ViewPolicy> policy, PresenceViewListener listener,
            Function<Wire, SubscribeSender> edge, Scheduler scheduler, RefreshPacer pacer, PresenceDocuments documents,
            Clock clock, DoubleSupplier random, Executor deliveryThreads, Runnable onClose, Ownership ownership, String leasePrefix) {
        this.ownership = ownership;
        this.leasePrefix = leasePrefix;
        this.deliveryThreads = deliveryThreads;
        this.owner = owner;
        this.mode = mode;
        this.policy = policy;
        this.listener = listener;
        this.sender = edge.apply(wire);
        this.onClose = onClose;
        this.scheduler = scheduler;
        this.pacer = pacer;
        this.documents = documents;
        this.clock = clock;
        this.random = random;
    }

    public ViewMode mode() {
        return mode;
    }

    /** The endpoint (by name) that owns this view. */
    public String owner() {
        return owner;
    }

    /**
     * Starts subscribing to each target not already in the view, paced by the platform's pacer — from this instance, or
     * in a pool from the member that holds the target's lease.
     */
    public void addTargets(Collection<Aor> added) {
        if (closed) {
            throw new IllegalStateException("the view is closed");
        }
        for (Aor target : added) {
            wanted.computeIfAbsent(target, t -> ownership.want(new LeaseKey(LeaseKey.Kind.VIEW_TARGET, leasePrefix + " " + t),
                    new TargetLease(t)));
        }
    }

    /** Unsubscribes from each target and forgets it. */
    public void removeTargets(Collection<Aor> removed) {
        for (Aor target : removed) {
            Ownership.Claim claim = wanted.remove(target);
            if (claim != null) {
                claim.drop();
            }
            TargetSubscription subscription = targets.remove(target);
            if (subscription != null) {
                leaving.put(target, subscription);
                subscription.stop();
                forgetIfEnded(target, subscription);
            }
        }
    }

    /** One target's subscription, started while this instance holds the target's lease. */
    private final class TargetLease implements Owned {
        private final Aor target;

        TargetLease(Aor target) {
            this.target = target;
        }

        @Override
        public void acquired() {
            TargetSubscription subscription = targets.computeIfAbsent(target, t -> new TargetSubscription(t, mode, policy, sender,
                    events, new SerialExecutor(deliveryThreads), scheduler, clock, random, dialogs::incrementAndGet));
            pacer.submit(List.of(subscription::start)); // paced like forced refreshes: thousands never go out in one burst
        }

        @Override
        public void released(boolean handover) {
            TargetSubscription subscription = targets.remove(target);
            if (subscription == null) {
                return;
            }
            if (handover) {
                leaving.put(target, subscription);
                subscription.stop();
                forgetIfEnded(target, subscription);
            } else {
                subscription.abandon();
            }
        }
    }

    /** Every target the view wants (in a pool, some may be subscribed by other members). */
    public List<Aor> targets() {
        return List.copyOf(wanted.keySet());
    }

    public Optional<SubscriptionState> state(Aor target) {
        return Optional.ofNullable(targets.get(target)).map(TargetSubscription::state);
    }

    /** Re-SUBSCRIBEs every target subscribed from here now, paced with every other forced refresh; returns how many. */
    public int refreshAll() {
        List<Runnable> refreshes = new ArrayList<>();
        for (TargetSubscription subscription : targets.values()) {
            refreshes.add(subscription::forceRefresh);
        }
        pacer.submit(refreshes);
        return refreshes.size();
    }

    /**
     * Also force a refresh of every target at this interval (for critical views: nothing on the wire says
     * that NOTIFYs stopped arriving). Zero or negative turns it off.
     */
    public synchronized void refreshEvery(Duration interval) {
        if (periodicRefresh != null) {
            periodicRefresh.cancel();
            periodicRefresh = null;
        }
        if (!interval.isZero() && !interval.isNegative() && !closed) {
            periodicRefresh = scheduler.schedule(interval, () -> periodic(interval));
        }
    }

    private synchronized void periodic(Duration interval) {
        if (!closed) {
            refreshAll();
            periodicRefresh = scheduler.schedule(interval, () -> periodic(interval));
        }
    }

    /** How many targets are in each state. */
    public Map<SubscriptionState, Long> countByState() {
        long[] byOrdinal = new long[SubscriptionState.values().length];
        for (TargetSubscription subscription : targets.values()) {
            byOrdinal[subscription.state().ordinal()]++;
        }
        Map<SubscriptionState, Long> counts = new EnumMap<>(SubscriptionState.class);
        for (SubscriptionState state : SubscriptionState.values()) {
            if (byOrdinal[state.ordinal()] > 0) {
                counts.put(state, byOrdinal[state.ordinal()]);
            }
        }
        return counts;
    }

    /** Bodies refused (hostile or malformed XML, unsupported type); their subscriptions went on. */
    public long refusedBodies() {
        return refusedBodies.sum();
    }

    private void forgetIfEnded(Aor target, TargetSubscription subscription) {
        if (subscription.state() == SubscriptionState.TERMINATED) {
            leaving.remove(target, subscription);
        }
    }

    private TargetSubscription find(Aor target) {
        TargetSubscription subscription = targets.get(target);
        return subscription != null ? subscription : leaving.get(target);
    }

    /** Where the SIP edge hands this view what arrives for it. */
    public Wire wire() {
        return wire;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (periodicRefresh != null) {
                periodicRefresh.cancel();
            }
        }
        removeTargets(List.copyOf(wanted.keySet()));
        onClose.run();
    }

    /**
     * Closes the view without a word on the wire: every target's subscription is dropped here as it is (in a pool,
     * another member may be acting for them already).
     */
    public void abandon() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (periodicRefresh != null) {
                periodicRefresh.cancel();
            }
        }
        for (Aor target : List.copyOf(wanted.keySet())) {
            Ownership.Claim claim = wanted.remove(target);
            if (claim != null) {
                claim.drop();
            }
            TargetSubscription subscription = targets.remove(target);
            if (subscription != null) {
                subscription.abandon();
            }
        }
        onClose.run();
    }

    /**
     * The SIP edge's side of a view: answers to the SUBSCRIBEs its {@link SubscribeSender} sent, and
     * NOTIFYs on their dialogs. Not for endpoint beans.
     */
    public final class Wire {

        private Wire() {
        }

        /** The final answer to SUBSCRIBE {@code requestId} for {@code target} (a transaction timeout is a 408). */
        public void onResponse(Aor target, long requestId, int status, Optional<Duration> expires,
                Optional<Duration> minExpires, Optional<Duration> retryAfter, Optional<PresenceBody> body) {
            TargetSubscription subscription = find(target);
            if (subscription != null) {
                subscription.onResponse(requestId, status, expires, minExpires, retryAfter, body);
                forgetIfEnded(target, subscription);
            }
        }

        /** A NOTIFY on dialog {@code dialog} of {@code target}; false when that is not a live subscription (answer 481). */
        public boolean onNotify(Aor target, long dialog, NotifyState state, Optional<PresenceBody> body) {
            TargetSubscription subscription = find(target);
            if (subscription == null) {
                return false;
            }
            boolean live = subscription.onNotify(dialog, state, body);
            forgetIfEnded(target, subscription);
            return live;
        }
    }

    private final SubscriptionEvents events = new SubscriptionEvents() {
        @Override
        public void stateChanged(StateChange change) {
            try {
                listener.onStateChanged(change);
            } catch (RuntimeException e) {
                LOG.warn("Presence view listener failed on {}", change, e);
            }
        }

        @Override
        public void presence(Aor target, String contentType, String body) {
            PresenceNotification notification;
            try {
                notification = new PresenceNotification(target, contentType, body, documents.parse(target, contentType, body));
            } catch (PresenceDocumentException e) {
                refusedBodies.increment();
                LOG.warn("Presence of {} refused, the subscription goes on: {}", target, e.getMessage());
                return;
            }
            try {
                listener.onNotification(notification);
            } catch (RuntimeException e) {
                LOG.warn("Presence view listener failed on the presence of {}", target, e);
            }
        }
    };
}
