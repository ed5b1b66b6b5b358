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
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
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
 * the store cannot be reached, memory stays authoritative: the update is accepted here, counted as a
 * store failure and held back for writing later. A failure opens a circuit breaker (resilience4j, as the
 * subscription store uses) that leaves the store alone for a pause (callers such as the bridge's one event
 * thread would otherwise wait out the database's connection timeout on every update of an outage); then
 * one probe, off the caller's thread, tells whether it answers again. When it does, the newest update held
 * back for each key is written back with the same conditional write, so that other pools see what was
 * accepted here during the outage and nothing moves backwards (a newer one stored meanwhile by another
 * pool wins, and is adopted here).
 *
 * <p>Memory is a cache of the store, so it forgets presentities no longer in use ({@link #forgetIdle()}): a
 * presentity is in use while it is offered an update (accepted or not) at least once per idle time, or while an
 * update of it is held back. A forgotten key offered again is judged by the store's conditional write alone,
 * which refuses anything older than what it holds; the stored update is then adopted as it is after a refusal.
 * While the store is left alone or anything is held back, memory is the only guard, so nothing is forgotten.
 */
public final class OrderedPresenceStore implements PresenceStore {

    private static final Logger LOG = LoggerFactory.getLogger(OrderedPresenceStore.class);
    private static final int STRIPES = 1024;

    private final PresenceRepository repository;
    private final PresenceDocuments documents;
    private final String sourcePool;
    private final Map<PresenceKey, PresenceUpdate> newest = new ConcurrentHashMap<>();
    private final Map<Aor, Presentity> byPresentity = new ConcurrentHashMap<>();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder outOfOrder = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder untimed = new LongAdder();
    private final LongAdder storeFailures = new LongAdder();
    private final Clock clock;
    private final Duration pause;
    /** A presentity offered nothing for this long is forgotten (zero: never). */
    private final Duration forgetAfter;
    private final Executor prober;
    /** Open after a failure: updates are accepted in memory only until a probe finds the store again. */
    private final CircuitBreaker breaker;
    /** The newest update accepted in memory only, per key, waiting to be written back. */
    private final Map<PresenceKey, PresenceUpdate> heldBack = new ConcurrentHashMap<>();
    private final LongAdder writtenBack = new LongAdder();
    private volatile Instant nextProbe = Instant.MIN;
    /** A probe or a write-back is under way on the prober (one at a time). */
    private final AtomicBoolean background = new AtomicBoolean();

    /** What this instance holds of one presentity: the newest update of each category, and when it was last offered one. */
    private static final class Presentity {
        final Map<String, PresenceUpdate> categories = new ConcurrentHashMap<>();
        volatile Instant lastOffered;

        Presentity(Instant now) {
            this.lastOffered = now;
        }
    }

    /** As the full constructor, with no pause: every update tries the store, failing or not; nothing is forgotten. */
    public OrderedPresenceStore(PresenceRepository repository, PresenceDocuments documents, String sourcePool) {
        this(repository, documents, sourcePool, Clock.systemUTC(), Duration.ZERO, Runnable::run);
    }

    /** As the full constructor; nothing is forgotten. */
    public OrderedPresenceStore(PresenceRepository repository, PresenceDocuments documents, String sourcePool, Clock clock, Duration pause,
            Executor prober) {
        this(repository, documents, sourcePool, clock, pause, prober, Duration.ZERO);
    }

    /**
     * @param repository the shared store
     * @param documents  how bodies are parsed
     * @param sourcePool this instance's application pool, recorded with what it stores
     * @param clock      when the pause after a failure is over
     * @param pause      how long the store is left alone after a failure (zero: never left alone)
     * @param prober     where the probe of a store left alone runs (not the thread offering updates)
     * @param forgetAfter a presentity offered nothing for this long is forgotten by {@link #forgetIdle()} (zero: never)
     */
    public OrderedPresenceStore(PresenceRepository repository, PresenceDocuments documents, String sourcePool, Clock clock, Duration pause,
            Executor prober, Duration forgetAfter) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.documents = Objects.requireNonNull(documents, "documents");
        this.sourcePool = Objects.requireNonNull(sourcePool, "sourcePool");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.prober = Objects.requireNonNull(prober, "prober");
        this.forgetAfter = Objects.requireNonNull(forgetAfter, "forgetAfter");
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
        // Any failure opens it: an update waits out at most one connection timeout per pause.
        this.breaker = CircuitBreaker.of("presence-store", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(1)
                .minimumNumberOfCalls(1)
                .failureRateThreshold(100)
                .waitDurationInOpenState(pause.isZero() ? Duration.ofMillis(1) : pause)
                .permittedNumberOfCallsInHalfOpenState(1)
                .clock(clock)
                .build());
        breaker.getEventPublisher().onStateTransition(event -> {
            switch (event.getStateTransition().getToState()) {
                case OPEN -> {
                    nextProbe = clock.instant().plus(pause);
                    LOG.warn("Presence store left alone for {} s: updates are kept in memory only until it answers again",
                            pause.toSeconds());
                }
                case CLOSED -> LOG.info("Presence store answers again: {} updates accepted meanwhile are written back", heldBack.size());
                default -> {
                }
            }
        });
        if (pause.isZero()) {
            breaker.transitionToDisabledState(); // never left alone: every update tries the store
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
        Ordering outcome = offerLocked(update);
        if (!heldBack.isEmpty()) {
            afterOffer(); // outside the stripe lock: a write-back takes the locks of other keys
        }
        return outcome;
    }

    private Ordering offerLocked(PresenceUpdate update) {
        if (!update.publishTime().isKnown()) {
            untimed.increment();
        }
        PresenceKey key = update.key();
        ReentrantLock lock = stripe(key);
        lock.lock();
        try {
            Presentity known = byPresentity.get(update.presentity());
            if (known != null) {
                known.lastOffered = clock.instant(); // in use, whatever the outcome
            }
            Optional<PresenceUpdate> seen = Optional.ofNullable(newest.get(key));
            Ordering inMemory = Ordering.judge(seen.map(PresenceUpdate::stamp), update.stamp());
            if (inMemory != Ordering.ACCEPTED) {
                return dropped(inMemory, update, "this instance has seen");
            }
            if (leftAlone()) {
                storeFailures.increment();
                return holdBack(update);
            }
            boolean written;
            try {
                written = breaker.executeSupplier(() -> repository.writeIfNewer(update, sourcePool));
            } catch (RuntimeException e) {
                storeFailures.increment();
                LOG.warn("Presence store unreachable, keeping {} in memory only: {}", update, e.toString());
                return holdBack(update);
            }
            heldBack.remove(key); // whatever was held back for this key is older than what was just judged
            if (written) {
                return accept(update);
            }
            return reconcileWithStore(update, seen);
        } finally {
            lock.unlock();
        }
    }

    private ReentrantLock stripe(PresenceKey key) {
        return stripes[Math.floorMod(key.hashCode(), STRIPES)];
    }

    /** The breaker is open or probing: the store is not asked on the offering thread. */
    private boolean leftAlone() {
        CircuitBreaker.State state = breaker.getState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.HALF_OPEN;
    }

    private Ordering holdBack(PresenceUpdate update) {
        heldBack.put(update.key(), update);
        return accept(update);
    }

    /** The store held an equal or newer update, stored by another pool: adopt it if it is news here. */
    private Ordering reconcileWithStore(PresenceUpdate update, Optional<PresenceUpdate> seen) {
        Optional<PresenceUpdate> stored;
        try {
            stored = breaker.executeSupplier(() -> repository.load(update.key()));
        } catch (RuntimeException e) {
            storeFailures.increment();
            LOG.warn("Presence store unreachable after a refused write of {}: {}", update, e.toString());
            return dropped(Ordering.OUT_OF_ORDER, update, "the shared store holds");
        }
        if (stored.isEmpty()) {
            // Deleted between the two statements: nothing newer is known, so write this update once more.
            try {
                if (breaker.executeSupplier(() -> repository.writeIfNewer(update, sourcePool))) {
                    return accept(update);
                }
            } catch (RuntimeException e) {
                storeFailures.increment();
                LOG.warn("Presence store unreachable, keeping {} in memory only: {}", update, e.toString());
                return holdBack(update);
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

    /**
     * Asks again for what is held back: once the pause is over, a probe off the calling thread and the write-back
     * when it answers. An update offered does the same; this is for when none comes (the outage ended with the
     * traffic), so the platform calls it periodically — otherwise what was accepted during the outage would reach
     * the store, and other pools, only with the next update.
     */
    public void retryHeldBack() {
        if (!heldBack.isEmpty()) {
            afterOffer();
        }
    }

    /**
     * Something is held back: once the pause is over, probe the store (a read) on the prober; once it answers
     * (or whenever the breaker is closed), write back what is held back. One background task at a time.
     */
    private void afterOffer() {
        boolean due = !leftAlone() || !clock.instant().isBefore(nextProbe);
        if (!due || !background.compareAndSet(false, true)) {
            return;
        }
        try {
            prober.execute(() -> {
                try {
                    if (probe()) {
                        writeBack();
                    }
                } finally {
                    background.set(false);
                }
            });
        } catch (RuntimeException e) {
            background.set(false); // the prober refused (stopping): the next update asks again
        }
    }

    /** Whether the store may be written to: the breaker is closed, or a read let through by it answers. */
    private boolean probe() {
        if (!leftAlone()) {
            return true;
        }
        if (breaker.getState() == CircuitBreaker.State.OPEN) {
            breaker.transitionToHalfOpenState(); // the pause is over by this store's clock (resilience4j waits strictly longer)
        }
        if (!breaker.tryAcquirePermission()) {
            return false;
        }
        long start = breaker.getCurrentTimestamp();
        try {
            repository.load(heldBack.keySet().stream().findAny().orElseThrow());
            breaker.onSuccess(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit());
            return true;
        } catch (RuntimeException e) {
            breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), e);
            return false;
        }
    }

    /**
     * Writes back the newest update held back for each key, each with the conditional write and under its
     * key's lock; when the store holds a newer one (another pool's), that one is adopted here. Stops at the
     * first failure, keeping the rest held back.
     */
    private void writeBack() {
        for (PresenceUpdate update : List.copyOf(heldBack.values())) {
            ReentrantLock lock = stripe(update.key());
            lock.lock();
            try {
                if (!heldBack.remove(update.key(), update)) {
                    continue; // a newer one came meanwhile, and was written or held back in its turn
                }
                try {
                    if (breaker.executeSupplier(() -> repository.writeIfNewer(update, sourcePool))) {
                        writtenBack.increment();
                    } else {
                        adoptStored(update.key());
                    }
                } catch (RuntimeException e) {
                    heldBack.putIfAbsent(update.key(), update);
                    LOG.warn("Presence store failed again while writing back ({} updates still held back): {}", heldBack.size(),
                            e.toString());
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The store refused a write-back: it holds a newer or equal update, stored by another pool. */
    private void adoptStored(PresenceKey key) {
        Optional<PresenceUpdate> stored = breaker.executeSupplier(() -> repository.load(key));
        Optional<PresenceUpdate> seen = Optional.ofNullable(newest.get(key));
        if (stored.isPresent() && Ordering.judge(seen.map(PresenceUpdate::stamp), stored.get().stamp()) == Ordering.ACCEPTED) {
            remember(stored.get());
            deliver(stored.get());
        }
    }

    /** Updates accepted in memory only and not written back yet (one per key: the newest). */
    public int heldBackCount() {
        return heldBack.size();
    }

    /** Updates written back to the store after an outage (not those found older than what another pool stored meanwhile). */
    public long writtenBackCount() {
        return writtenBack.sum();
    }

    /** The presence store's circuit breaker: CLOSED, OPEN, HALF_OPEN, or DISABLED when never left alone. */
    public String breakerState() {
        return breaker.getState().name();
    }

    private Ordering accept(PresenceUpdate update) {
        remember(update);
        accepted.increment();
        deliver(update);
        return Ordering.ACCEPTED;
    }

    private void remember(PresenceUpdate update) {
        newest.put(update.key(), update);
        Instant now = clock.instant();
        // compute, not computeIfAbsent and put: forgetIdle removes a presentity only when it is empty, atomically
        byPresentity.compute(update.presentity(), (aor, known) -> {
            Presentity presentity = known == null ? new Presentity(now) : known;
            presentity.lastOffered = now;
            presentity.categories.put(update.category(), update);
            return presentity;
        });
    }

    /**
     * Forgets every presentity offered nothing for the idle time, unless an update of it is held back; does nothing
     * while the store is left alone or anything is held back (memory is then the only guard of the ordering rule).
     * Each key is removed under its own lock, so an offer of it is judged either before (by memory) or after (by the
     * store). The platform calls it periodically.
     *
     * @return how many presentities were forgotten
     */
    public int forgetIdle() {
        if (forgetAfter.isZero() || leftAlone() || !heldBack.isEmpty()) {
            return 0;
        }
        Instant idleSince = clock.instant().minus(forgetAfter);
        int count = 0;
        for (Map.Entry<Aor, Presentity> entry : byPresentity.entrySet()) {
            Presentity presentity = entry.getValue();
            if (presentity.lastOffered.isAfter(idleSince)) {
                continue;
            }
            for (String category : List.copyOf(presentity.categories.keySet())) {
                PresenceKey key = new PresenceKey(entry.getKey(), category);
                ReentrantLock lock = stripe(key);
                lock.lock();
                try {
                    if (presentity.lastOffered.isAfter(idleSince) || heldBack.containsKey(key)) {
                        break; // offered meanwhile, or the store failed meanwhile: keep the rest
                    }
                    newest.remove(key);
                    presentity.categories.remove(category);
                } finally {
                    lock.unlock();
                }
            }
            boolean[] removed = {false};
            byPresentity.computeIfPresent(entry.getKey(), (aor, known) -> {
                removed[0] = known == presentity && known.categories.isEmpty();
                return removed[0] ? null : known;
            });
            if (removed[0]) {
                count++;
            }
        }
        return count;
    }

    /** Presentities this instance holds an update of. */
    public int rememberedPresentities() {
        return byPresentity.size();
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
        Presentity known = byPresentity.get(presentity);
        return known == null ? List.of() : List.copyOf(known.categories.values());
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
