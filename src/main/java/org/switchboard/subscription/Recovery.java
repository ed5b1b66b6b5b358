package org.switchboard.subscription;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.timing.Scheduler;

/**
 * Recovery after a start: every batch interval, the next batch of the stalest records not yet recovered by
 * this run is handed to its owner and marked recovered, until none remain. A request that touches a record
 * not yet recovered recovers it first ({@link #recoverNow}), exactly once even under concurrency; the batches
 * then skip it.
 */
public final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final SubscriptionRepository repository;
    private final PersistentSubscriptions store;
    private final Map<Direction, RecoveryHandler> handlers;
    // Tunable while the run goes on (JMX): read at every batch.
    private volatile int batchSize;
    private volatile Duration interval;
    /** Set by {@link #recoverRestNow}: the remaining batches follow one another without a pause. */
    private volatile boolean hurry;
    /** The next batch, while one is scheduled, and its number (a batch overtaken by a newer one does not run); guarded by {@code this}. */
    private Scheduler.Cancellable nextBatch;
    private long batchTicket;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Map<String, CompletableFuture<SubscriptionRecord>> recovered = new ConcurrentHashMap<>();
    private final AtomicInteger batches = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong liveSkipped = new AtomicLong();
    private volatile Instant runStart;
    private volatile boolean counted;
    private volatile Instant finishedAt;
    private volatile boolean stopped;

    public Recovery(SubscriptionRepository repository, PersistentSubscriptions store, Map<Direction, RecoveryHandler> handlers,
            int batchSize, Duration interval, Scheduler scheduler, Clock clock) {
        this.repository = repository;
        this.store = store;
        this.handlers = Map.copyOf(handlers);
        setBatchSize(batchSize);
        setInterval(interval);
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /** Starts the run: the first batch at once, then one per interval. */
    public void start() {
        runStart = clock.instant();
        try {
            total.set(repository.countNotRecoveredSince(runStart));
            counted = true;
        } catch (RuntimeException e) {
            LOG.warn("Recovery: cannot count the records yet ({}); counting when the database answers", e.toString());
        }
        scheduleBatch(Duration.ZERO);
    }

    /** Starts the run unless it has started already (the container may signal readiness more than once). */
    public synchronized void startOnce() {
        if (runStart == null) {
            start();
        }
    }

    /**
     * Recovers everything not yet recovered at once: the run starts if it has not, and the remaining batches
     * follow one another without waiting for the interval. Returns the progress when asked.
     */
    public RecoveryProgress recoverRestNow() {
        hurry = true;
        synchronized (this) {
            if (runStart == null) {
                start();
            } else if (finishedAt == null && nextBatch != null) {
                nextBatch.cancel();
                scheduleBatch(Duration.ZERO);
            }
        }
        LOG.info("Recovery: the rest is recovered now, batch after batch without a pause");
        return progress();
    }

    /**
     * Starts a new run over every record, whatever earlier runs did (in a pool: the member that takes the bridge
     * over recovers its subscriptions, though it may have run a recovery when it held the bridge before).
     */
    public synchronized void rerun() {
        if (nextBatch != null) {
            nextBatch.cancel();
            nextBatch = null;
        }
        batchTicket++;
        stopped = false;
        hurry = false;
        recovered.clear();
        batches.set(0);
        total.set(0);
        liveSkipped.set(0);
        counted = false;
        finishedAt = null;
        start();
    }

    public int batchSize() {
        return batchSize;
    }

    /** Takes effect from the next batch. */
    public void setBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, not " + batchSize);
        }
        this.batchSize = batchSize;
    }

    public Duration interval() {
        return interval;
    }

    /** Takes effect from the next pause between batches. */
    public void setInterval(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the batch interval must be positive, not " + interval);
        }
        this.interval = interval;
    }

    private synchronized void scheduleBatch(Duration delay) {
        long ticket = ++batchTicket;
        nextBatch = scheduler.schedule(delay, () -> batch(ticket));
    }

    /** Stops after the batch under way. */
    public void stop() {
        stopped = true;
        synchronized (this) {
            batchTicket++; // a batch already scheduled does not run
        }
    }

    private void batch(long ticket) {
        synchronized (this) {
            if (ticket != batchTicket) {
                return;
            }
            nextBatch = null;
        }
        if (stopped) {
            return;
        }
        int batchSize = this.batchSize;
        Duration interval = this.interval;
        List<SubscriptionRecord> next;
        try {
            store.flushNow(); // what earlier batches marked recovered must not come back
            if (!counted) {
                total.set(repository.countNotRecoveredSince(runStart));
                counted = true;
            }
            if (batches.get() == 0) {
                LOG.info("Recovery: {} subscription records to recover, {} per batch every {} s", total.get(), batchSize, interval.toSeconds());
            }
            next = repository.stalest(runStart, batchSize);
        } catch (RuntimeException e) {
            if (stopped) {
                return; // stopping: the database may be closed under it
            }
            LOG.warn("Recovery: the database does not answer ({}); trying again in {} s", e.toString(), interval.toSeconds());
            scheduleBatch(interval);
            return;
        }
        int done = 0;
        for (SubscriptionRecord record : next) {
            if (recoverOnce(record)) {
                done++;
            }
        }
        long handled = next.stream().filter(r -> recovered.containsKey(r.id())).count();
        int batch = batches.incrementAndGet();
        LOG.info("Recovery: batch {}: {} records, {} of {} recovered", batch, done, recoveredCount(), total.get());
        if (next.isEmpty() || (next.size() < batchSize && handled == next.size())) {
            store.flushNow();
            finishedAt = clock.instant();
            LOG.info("Recovery: done, {} records in {} batches, {} ms", recoveredCount(), batch,
                    Duration.between(runStart, finishedAt).toMillis());
            return;
        }
        scheduleBatch(hurry ? Duration.ZERO : interval);
    }

    /**
     * The record for {@code key}, recovered first if this run has not recovered it yet. Empty when there is no
     * such record, in memory or in the database.
     */
    public Optional<SubscriptionRecord> recoverNow(SubscriptionRecord.SubscriptionKey key) {
        Optional<SubscriptionRecord> inMemory = store.find(key);
        if (inMemory.isPresent() && recovered.containsKey(inMemory.get().id())) {
            return inMemory;
        }
        if (inMemory.isEmpty() && finishedAt != null) {
            // The run is over: every record the database held has been brought into memory, so one that is not there
            // does not exist. Not asking the database keeps new subscriptions from waiting on it during an outage.
            return Optional.empty();
        }
        Optional<SubscriptionRecord> stored = inMemory.isPresent() ? inMemory : repository.find(key);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        recoverOnce(stored.get());
        return store.get(stored.get().id());
    }

    /** Recovers a record unless this run already did; true when this call did it. */
    private boolean recoverOnce(SubscriptionRecord record) {
        CompletableFuture<SubscriptionRecord> mine = new CompletableFuture<>();
        CompletableFuture<SubscriptionRecord> existing = recovered.putIfAbsent(record.id(), mine);
        if (existing != null) {
            existing.join(); // another thread is recovering it: wait until it has
            return false;
        }
        Optional<SubscriptionRecord> live = store.get(record.id());
        if (live.isPresent()) {
            // Created (or taken up) after this run started: it is live, not something to bring back. Marked, so
            // that the batches move past it.
            SubscriptionRecord marked = live.get().recoveredAt(clock.instant());
            store.put(marked);
            liveSkipped.incrementAndGet();
            mine.complete(marked);
            return false;
        }
        try {
            RecoveryHandler handler = handlers.get(record.direction());
            SubscriptionRecord after = handler == null ? record : handler.recover(record);
            SubscriptionRecord marked = after.recoveredAt(clock.instant());
            store.put(marked);
            mine.complete(marked);
            return true;
        } catch (RuntimeException e) {
            // Marked all the same: its owner's own retries take over, and the run must not fetch it forever.
            LOG.warn("Recovery of {} {} failed", record.direction(), record.key(), e);
            SubscriptionRecord marked = record.recoveredAt(clock.instant());
            store.put(marked);
            mine.complete(marked);
            return true;
        }
    }

    public RecoveryProgress progress() {
        return new RecoveryProgress(runStart != null, finishedAt != null, recoveredCount(), total.get(), batches.get());
    }

    private long recoveredCount() {
        return recovered.size() - liveSkipped.get();
    }
}
