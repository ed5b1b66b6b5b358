package org.switchboard.presence.view;

import org.switchboard.timing.Scheduler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.switchboard.pool.Ownership;
import org.switchboard.presence.PresenceDocuments;

/**
 * Every presence view of a platform: where views are made, and where forced refreshes of an endpoint's
 * views, or of all of them, start (paced by one {@link RefreshPacer}).
 */
public final class PresenceViews implements AutoCloseable {

    /** Replaced as a whole when an operator changes a setting; every target reads it at each use. */
    private volatile ViewPolicy policy;
    private final Scheduler scheduler;
    private final RefreshPacer pacer;
    private final PresenceDocuments documents;
    private final Clock clock;
    private final DoubleSupplier random;
    private final Executor deliveryThreads;
    private final List<RemotePresenceView> views = new CopyOnWriteArrayList<>();
    /** Who subscribes to which target (in a pool, the holder of the target's lease). */
    private final Ownership ownership;
    /** How many views each endpoint has made: a view's number is part of its targets' lease keys. */
    private final Map<String, AtomicInteger> madeBy = new ConcurrentHashMap<>();

    /** Listeners called on the thread that handles the SIP message, once the target's lock is released (tests). */
    public PresenceViews(ViewPolicy policy, Scheduler scheduler, RefreshPacer pacer, PresenceDocuments documents, Clock clock,
            DoubleSupplier random) {
        this(policy, scheduler, pacer, documents, clock, random, Runnable::run);
    }

    /**
     * {@code deliveryThreads}: where views' listeners hear transitions and presence (each target's in order), so that
     * a SIP thread answers its NOTIFY without waiting for them — the presence store's database write among them.
     */
    public PresenceViews(ViewPolicy policy, Scheduler scheduler, RefreshPacer pacer, PresenceDocuments documents, Clock clock,
            DoubleSupplier random, Executor deliveryThreads) {
        this(policy, scheduler, pacer, documents, clock, random, deliveryThreads, Ownership.everything());
    }

    /**
     * {@code ownership}: in a pool each target of each view is subscribed by one member, the holder of its lease (keyed by
     * the endpoint, the view's number among the endpoint's views, and the target: every member's beans make the same
     * views in the same order).
     */
    public PresenceViews(ViewPolicy policy, Scheduler scheduler, RefreshPacer pacer, PresenceDocuments documents, Clock clock,
            DoubleSupplier random, Executor deliveryThreads, Ownership ownership) {
        this.ownership = ownership;
        this.deliveryThreads = deliveryThreads;
        this.policy = policy;
        this.scheduler = scheduler;
        this.pacer = pacer;
        this.documents = documents;
        this.clock = clock;
        this.random = random;
    }

    /** A new, empty view owned by endpoint {@code owner}; {@code edge} sends its SUBSCRIBEs. */
    public RemotePresenceView create(String owner, ViewMode mode, PresenceViewListener listener, Function<RemotePresenceView.Wire, SubscribeSender> edge) {
        return create(owner, mode, listener, edge, ownership);
    }

    /**
     * A new view whose targets are subscribed from here whoever holds their leases: for work leased as a whole (the
     * XMPP bridge's views, which run where the bridge's lease is).
     */
    public RemotePresenceView createUnleased(String owner, ViewMode mode, PresenceViewListener listener,
            Function<RemotePresenceView.Wire, SubscribeSender> edge) {
        return create(owner, mode, listener, edge, Ownership.everything());
    }

    private RemotePresenceView create(String owner, ViewMode mode, PresenceViewListener listener,
            Function<RemotePresenceView.Wire, SubscribeSender> edge, Ownership ownership) {
        RemotePresenceView[] made = new RemotePresenceView[1];
        int number = madeBy.computeIfAbsent(owner, o -> new AtomicInteger()).incrementAndGet();
        RemotePresenceView view = new RemotePresenceView(owner, mode, this::policy, listener, edge, scheduler, pacer, documents, clock, random,
                deliveryThreads, () -> views.remove(made[0]), ownership, owner + "#" + number);
        made[0] = view;
        views.add(view);
        return view;
    }

    /** The policy every view follows now. */
    public ViewPolicy policy() {
        return policy;
    }

    /**
     * Changes the policy of every view at once: retries, jitter and re-establishment use it from their next
     * decision, polling from the next fetch. The Expires asked for is fixed per target when it is added.
     */
    public void setPolicy(ViewPolicy policy) {
        this.policy = java.util.Objects.requireNonNull(policy, "policy");
    }

    /** The pace of bulk SUBSCRIBEs, per second; a change applies from the next one. */
    public int bulkSubscribesPerSecond() {
        return pacer.rate();
    }

    public void setBulkSubscribesPerSecond(int perSecond) {
        pacer.setRate(perSecond);
    }

    /** Forces a refresh of every target of every view of the platform, paced; returns how many targets were queued. */
    public int refreshAll() {
        int targets = 0;
        for (RemotePresenceView view : views) {
            targets += view.refreshAll();
        }
        return targets;
    }

    /** Forces a refresh of every target of the views endpoint {@code owner} made, paced. */
    public void refreshOwnedBy(String owner) {
        for (RemotePresenceView view : views) {
            if (view.owner().equals(owner)) {
                view.refreshAll();
            }
        }
    }

    public List<RemotePresenceView> views() {
        return List.copyOf(views);
    }

    /** Targets of all views by state. */
    public Map<SubscriptionState, Long> countByState() {
        Map<SubscriptionState, Long> counts = new EnumMap<>(SubscriptionState.class);
        for (RemotePresenceView view : views) {
            view.countByState().forEach((state, n) -> counts.merge(state, n, Long::sum));
        }
        return counts;
    }

    /**
     * The container is ready to send SIP: start the SUBSCRIBEs held since start-up. Until then views can be
     * made and given targets, but nothing goes out.
     */
    public void open() {
        pacer.open();
    }

    /** Forced refreshes waiting to go out. */
    public int refreshesWaiting() {
        return pacer.waiting();
    }

    @Override
    public void close() {
        for (RemotePresenceView view : new ArrayList<>(views)) {
            view.close();
        }
    }
}
