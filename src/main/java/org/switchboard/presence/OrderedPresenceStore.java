package org.switchboard.presence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.Aor;

/**
 * The ordering rule applied twice: first against the newest update this instance has seen (in memory),
 * then against the shared store with an atomic conditional write, so that instances of different pools
 * sharing one database never move a presentity backwards. Updates of one key are handled one at a
 * time (striped locks), which is what keeps listeners in order.
 *
 * <p>When the store refuses an update because another pool stored a newer one, this instance adopts the
 * stored update (listeners see it, since it is newer than what they saw) and drops the offered one. When
 * the store cannot be reached, memory stays authoritative: the update is accepted here and counted as a
 * store failure. After such a failure the store is left alone for a pause (callers such as the bridge's one
 * event thread would otherwise wait out the database's connection timeout on every update of an outage);
 * then one probe, off the caller's thread, tells whether it answers again.
 */
public final class OrderedPresenceStore implements PresenceStore {

    private static final Logger LOG = LoggerFactory.getLogger(OrderedPresenceStore.class);
    private static final int STRIPES = 1024;

    private final PresenceRepository repository;
    private final PresenceDocuments documents;
    private final String sourcePool;
    private final Map<PresenceKey, PresenceUpdate> newest = new ConcurrentHashMap<>();
    private final Map<Aor, Map<String, PresenceUpdate>> byPresentity = new ConcurrentHashMap<>();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder outOfOrder = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder untimed = new LongAdder();
    private final LongAdder storeFailures = new LongAdder();
    private final Clock clock;
    private final Duration pause;
    private final Executor prober;
    /** The store failed and is left alone: updates are accepted in memory only until a probe finds it again. */
    private volatile boolean unreachable;
    private volatile Instant nextProbe = Instant.MIN;
    private final AtomicBoolean probing = new AtomicBoolean();

    /** As the full constructor, with no pause: every update tries the store, failing or not. */
    public OrderedPresenceStore(PresenceRepository repository, PresenceDocuments documents, String sourcePool) {
        this(repository, documents, sourcePool, Clock.systemUTC(), Duration.ZERO, Runnable::run);
    }

    /**
     * @param repository the shared store
     * @param documents  how bodies are parsed
     * @param sourcePool this instance's application pool, recorded with what it stores
     * @param clock      when the pause after a failure is over
     * @param pause      how long the store is left alone after a failure (zero: never left alone)
     * @param prober     where the probe of a store left alone runs (not the thread offering updates)
     */
    public OrderedPresenceStore(PresenceRepository repository, PresenceDocuments documents, String sourcePool, Clock clock, Duration pause,
            Executor prober) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.documents = Objects.requireNonNull(documents, "documents");
        this.sourcePool = Objects.requireNonNull(sourcePool, "sourcePool");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.prober = Objects.requireNonNull(prober, "prober");
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    @Override
    public List<Ordering> offer(Aor presentity, String contentType, String body) {
        List<PresenceUpdate> updates = documents.parse(presentity, contentType, body); // counts what it refuses
        List<Ordering> outcomes = new ArrayList<>(updates.size());
        for (PresenceUpdate update : updates) {
            outcomes.add(offer(update));
        }
        return outcomes;
    }

    @Override
    public Ordering offer(PresenceUpdate update) {
        if (!update.publishTime().isKnown()) {
            untimed.increment();
        }
        PresenceKey key = update.key();
        ReentrantLock lock = stripes[Math.floorMod(key.hashCode(), STRIPES)];
        lock.lock();
        try {
            Optional<PresenceUpdate> seen = Optional.ofNullable(newest.get(key));
            Ordering inMemory = Ordering.judge(seen.map(PresenceUpdate::stamp), update.stamp());
            if (inMemory != Ordering.ACCEPTED) {
                return dropped(inMemory, update, "this instance has seen");
            }
            if (unreachable) {
                storeFailures.increment();
                probeWhenDue(key);
                return accept(update);
            }
            boolean written;
            try {
                written = repository.writeIfNewer(update, sourcePool);
            } catch (RuntimeException e) {
                storeFailures.increment();
                LOG.warn("Presence store unreachable, keeping {} in memory only: {}", update, e.toString());
                wentAway();
                return accept(update);
            }
            if (written) {
                return accept(update);
            }
            return reconcileWithStore(update, seen);
        } finally {
            lock.unlock();
        }
    }

    /** The store held an equal or newer update, stored by another pool: adopt it if it is news here. */
    private Ordering reconcileWithStore(PresenceUpdate update, Optional<PresenceUpdate> seen) {
        Optional<PresenceUpdate> stored;
        try {
            stored = repository.load(update.key());
        } catch (RuntimeException e) {
            storeFailures.increment();
            LOG.warn("Presence store unreachable after a refused write of {}: {}", update, e.toString());
            wentAway();
            return dropped(Ordering.OUT_OF_ORDER, update, "the shared store holds");
        }
        if (stored.isEmpty()) {
            // Deleted between the two statements: nothing newer is known, so write this update once more.
            try {
                if (repository.writeIfNewer(update, sourcePool)) {
                    return accept(update);
                }
            } catch (RuntimeException e) {
                storeFailures.increment();
                LOG.warn("Presence store unreachable, keeping {} in memory only: {}", update, e.toString());
                wentAway();
                return accept(update);
            }
            return dropped(Ordering.OUT_OF_ORDER, update, "the shared store holds");
        }
        PresenceUpdate winner = stored.get();
        if (Ordering.judge(seen.map(PresenceUpdate::stamp), winner.stamp()) == Ordering.ACCEPTED) {
            remember(winner);
            deliver(winner);
        }
        if (winner.stamp().equals(update.stamp())) {
            accepted.increment();
            return Ordering.ACCEPTED;
        }
        return dropped(Ordering.OUT_OF_ORDER, update, "the shared store holds");
    }

    /** The store failed: leave it alone for the pause (when there is one). */
    private void wentAway() {
        if (pause.isZero() || unreachable) {
            return;
        }
        nextProbe = clock.instant().plus(pause);
        unreachable = true;
        LOG.warn("Presence store left alone for {} s: updates are kept in memory only until it answers again", pause.toSeconds());
    }

    /** Once the pause is over, one probe at a time, on the prober: a read that answers ends the pause. */
    private void probeWhenDue(PresenceKey key) {
        if (clock.instant().isBefore(nextProbe) || !probing.compareAndSet(false, true)) {
            return;
        }
        try {
            prober.execute(() -> {
                try {
                    repository.load(key);
                    unreachable = false;
                    LOG.info("Presence store answers again: updates are written to it again");
                } catch (RuntimeException e) {
                    nextProbe = clock.instant().plus(pause);
                } finally {
                    probing.set(false);
                }
            });
        } catch (RuntimeException e) {
            probing.set(false); // the prober refused (stopping): the next update asks again
        }
    }

    private Ordering accept(PresenceUpdate update) {
        remember(update);
        accepted.increment();
        deliver(update);
        return Ordering.ACCEPTED;
    }

    private void remember(PresenceUpdate update) {
        newest.put(update.key(), update);
        byPresentity.computeIfAbsent(update.presentity(), p -> new ConcurrentHashMap<>()).put(update.category(), update);
    }

    private Ordering dropped(Ordering outcome, PresenceUpdate update, String where) {
        (outcome == Ordering.DUPLICATE ? duplicates : outOfOrder).increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("Dropped {} ({}): {} a newer or equal one", update, outcome, where);
        }
        return outcome;
    }

    private void deliver(PresenceUpdate update) {
        for (PresenceListener listener : listeners) {
            try {
                listener.onPresence(update);
            } catch (RuntimeException e) {
                LOG.warn("Presence listener {} failed on {}", listener, update, e);
            }
        }
    }

    @Override
    public Optional<PresenceUpdate> current(PresenceKey key) {
        return Optional.ofNullable(newest.get(key));
    }

    @Override
    public List<PresenceUpdate> current(Aor presentity) {
        Map<String, PresenceUpdate> categories = byPresentity.get(presentity);
        return categories == null ? List.of() : List.copyOf(categories.values());
    }

    @Override
    public void addListener(PresenceListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeListener(PresenceListener listener) {
        listeners.remove(listener);
    }

    @Override
    public PresenceCounts counts() {
        return new PresenceCounts(accepted.sum(), outOfOrder.sum(), duplicates.sum(), untimed.sum(), documents.refusedCount(), storeFailures.sum());
    }
}
