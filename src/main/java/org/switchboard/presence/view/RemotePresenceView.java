package org.switchboard.presence.view;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

    private final ViewMode mode;
    private final ViewPolicy policy;
    private final PresenceViewListener listener;
    private final SubscribeSender sender;
    private final Scheduler scheduler;
    private final RefreshPacer pacer;
    private final PresenceDocuments documents;
    private final Clock clock;
    private final DoubleSupplier random;
    private final Map<Aor, TargetSubscription> targets = new ConcurrentHashMap<>();
    private final LongAdder refusedBodies = new LongAdder();
    private volatile boolean closed;

    RemotePresenceView(ViewMode mode, ViewPolicy policy, PresenceViewListener listener, SubscribeSender sender,
            Scheduler scheduler, RefreshPacer pacer, PresenceDocuments documents, Clock clock, DoubleSupplier random) {
        this.mode = mode;
        this.policy = policy;
        this.listener = listener;
        this.sender = sender;
        this.scheduler = scheduler;
        this.pacer = pacer;
        this.documents = documents;
        this.clock = clock;
        this.random = random;
    }

    public ViewMode mode() {
        return mode;
    }

    /** Starts subscribing to each target not already in the view. */
    public void addTargets(Collection<Aor> added) {
        if (closed) {
            throw new IllegalStateException("the view is closed");
        }
        for (Aor target : added) {
            TargetSubscription subscription = targets.computeIfAbsent(target, t -> new TargetSubscription(t, mode, policy, sender,
                    events, scheduler, clock, random));
            subscription.start();
        }
    }

    /** Unsubscribes from each target and forgets it. */
    public void removeTargets(Collection<Aor> removed) {
        for (Aor target : removed) {
            TargetSubscription subscription = targets.remove(target);
            if (subscription != null) {
                subscription.stop();
            }
        }
    }

    public List<Aor> targets() {
        return List.copyOf(targets.keySet());
    }

    public Optional<SubscriptionState> state(Aor target) {
        return Optional.ofNullable(targets.get(target)).map(TargetSubscription::state);
    }

    /** Re-SUBSCRIBEs every target now, paced with every other forced refresh of the platform. */
    public void refreshAll() {
        List<Runnable> refreshes = new ArrayList<>();
        for (TargetSubscription subscription : targets.values()) {
            refreshes.add(subscription::forceRefresh);
        }
        pacer.submit(refreshes);
    }

    /** Bodies refused (hostile or malformed XML, unsupported type); their subscriptions went on. */
    public long refusedBodies() {
        return refusedBodies.sum();
    }

    /** The subscription of a target, for the SIP edge that routes NOTIFYs and answers. */
    Optional<TargetSubscription> subscription(Aor target) {
        return Optional.ofNullable(targets.get(target));
    }

    @Override
    public void close() {
        closed = true;
        removeTargets(List.copyOf(targets.keySet()));
    }

    private final SubscriptionEvents events = new SubscriptionEvents() {
        @Override
        public void stateChanged(StateChange change) {
            try {
                listener.onStateChanged(change);
            } catch (RuntimeException e) {
                LOG.warn("Presence view listener failed on {}: {}", change, e.toString());
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
                LOG.warn("Presence view listener failed on the presence of {}: {}", target, e.toString());
            }
        }
    };
}
