package org.switchboard.subscription;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.timing.Scheduler;

/**
 * The bridged subscriptions of this instance. Memory is authoritative; the database follows behind: every
 * change is queued (the newest per record, deletions included) and written by one writer, each write with a
 * few retries and behind a circuit breaker (resilience4j). While the database is away, everything goes on in
 * memory; when it answers again, every record in memory is written back together with the deletions still
 * queued, so the rows end equal to memory and nothing deleted comes back.
 *
 * <p>With persistence disabled there is no repository: the same API, in memory only.
 */
public final class PersistentSubscriptions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PersistentSubscriptions.class);

    private final Optional<SubscriptionRepository> repository;
    private final Scheduler scheduler;
    private final Duration breakerOpen;
    private final Map<String, SubscriptionRecord> records = new ConcurrentHashMap<>();
    private final Map<SubscriptionRecord.SubscriptionKey, String> byKey = new ConcurrentHashMap<>();
    /** Writes not yet in the database: the newest state per record id (a record, or a deletion). */
    private final Map<String, Write> pending = new ConcurrentHashMap<>();
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final LongAdder retries = new LongAdder();
    private final LongAdder transitions = new LongAdder();
    private final LongAdder resyncs = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private static final int CHUNK = 500;
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Object flushLock = new Object();
    private boolean failing;
    private volatile boolean closed;

    /** A queued write: a record to store, or (record empty) a deletion. */
    private record Write(String id, Optional<SubscriptionRecord> record) {
    }

    /**
     * @param repository      the database, or empty to keep everything in memory
     * @param retryAttempts   attempts per write (1: no retry)
     * @param retryBackoff    wait before the first retry, doubling for each further one
     * @param breakerOpen     how long the breaker stays open before probing the database again
     */
    public PersistentSubscriptions(Optional<SubscriptionRepository> repository, Scheduler scheduler, Clock clock, int retryAttempts,
            Duration retryBackoff, Duration breakerOpen) {
        this.repository = repository;
        this.scheduler = scheduler;
        this.breakerOpen = breakerOpen;
        this.breaker = CircuitBreaker.of("subscription-database", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(3)
                .failureRateThreshold(50)
                .waitDurationInOpenState(breakerOpen)
                .permittedNumberOfCallsInHalfOpenState(1)
                .clock(clock)
                .build());
        IntervalFunction backoff = retryBackoff.isZero() ? IntervalFunction.of(Duration.ofMillis(1))
                : IntervalFunction.ofExponentialBackoff(retryBackoff, 2.0);
        this.retry = Retry.of("subscription-database", RetryConfig.custom()
                .maxAttempts(retryAttempts)
                .intervalFunction(backoff)
                .retryOnException(e -> !(e instanceof CallNotPermittedException))
                .build());
        breaker.getEventPublisher().onStateTransition(event -> {
            transitions.increment();
            LOG.warn("Subscription database circuit breaker: {}", event.getStateTransition());
        });
        retry.getEventPublisher().onRetry(event -> {
            retries.increment();
            LOG.info("Subscription database write retried (attempt {}): {}", event.getNumberOfRetryAttempts(),
                    String.valueOf(event.getLastThrowable()));
        });
    }

    public boolean persistent() {
        return repository.isPresent();
    }

    /** Stores a record (a new one, or a newer version of one), in memory at once and in the database behind. */
    public void put(SubscriptionRecord record) {
        SubscriptionRecord before = records.put(record.id(), record);
        if (before != null && !before.key().equals(record.key())) {
            byKey.remove(before.key(), before.id());
        }
        byKey.put(record.key(), record.id());
        queue(new Write(record.id(), Optional.of(record)));
    }

    /** Forgets a record, in memory at once and in the database behind; it never comes back. */
    public void remove(String id) {
        SubscriptionRecord before = records.remove(id);
        if (before != null) {
            byKey.remove(before.key(), id);
        }
        queue(new Write(id, Optional.empty()));
    }

    public Optional<SubscriptionRecord> get(String id) {
        return Optional.ofNullable(records.get(id));
    }

    public Optional<SubscriptionRecord> find(SubscriptionRecord.SubscriptionKey key) {
        return Optional.ofNullable(byKey.get(key)).map(records::get);
    }

    /** Every record in memory. */
    public List<SubscriptionRecord> all() {
        return List.copyOf(records.values());
    }

    /** What an operator asks about: breaker state, writes waiting, retries, transitions, resyncs. */
    public PersistenceStatus status() {
        return new PersistenceStatus(repository.isPresent(), breaker.getState().name(), pending.size(), writes.sum(), retries.sum(),
                transitions.sum(), resyncs.sum(), records.size());
    }

    /** Writes everything waiting now, on the caller's thread (recovery uses it between batches). */
    public void flushNow() {
        flush();
    }


    private void queue(Write write) {
        if (repository.isEmpty() || closed) {
            return;
        }
        pending.put(write.id(), write);
        scheduleFlush(Duration.ZERO);
    }

    private void scheduleFlush(Duration delay) {
        if (!closed && flushScheduled.compareAndSet(false, true)) {
            scheduler.schedule(delay, () -> {
                flushScheduled.set(false);
                flush();
            });
        }
    }

    /**
     * Writes what is waiting, in chunks of {@value #CHUNK} per transaction (deletions first: a record deleted
     * and added again under the same key must leave its old row first). Callers that change records never
     * wait for this: they only queue.
     */
    private void flush() {
        if (repository.isEmpty()) {
            return;
        }
        synchronized (flushLock) {
            SubscriptionRepository db = repository.get();
            List<Write> batch = new ArrayList<>(pending.values());
            List<Write> deletions = batch.stream().filter(w -> w.record().isEmpty()).toList();
            List<Write> upserts = batch.stream().filter(w -> w.record().isPresent()).toList();
            try {
                for (int from = 0; from < deletions.size(); from += CHUNK) {
                    List<Write> chunk = deletions.subList(from, Math.min(deletions.size(), from + CHUNK));
                    write(() -> db.deleteAll(chunk.stream().map(Write::id).toList()), chunk);
                }
                for (int from = 0; from < upserts.size(); from += CHUNK) {
                    List<Write> chunk = upserts.subList(from, Math.min(upserts.size(), from + CHUNK));
                    write(() -> db.upsertAll(chunk.stream().map(w -> w.record().get()).toList()), chunk);
                }
            } catch (Exception e) { // an Error (OutOfMemoryError…) is no database outage: it goes through
                if (!failing) {
                    failing = true;
                    LOG.warn("Subscription database unreachable, carrying on in memory ({} writes waiting): {}", pending.size(), e.toString());
                }
                scheduleFlush(e instanceof CallNotPermittedException ? breakerOpen : Duration.ofSeconds(1));
                return;
            }
            if (failing) {
                failing = false;
                resync();
            } else if (!pending.isEmpty()) {
                scheduleFlush(Duration.ZERO);
            }
        }
    }

    /** One chunk through the retry and the breaker; written entries leave the queue unless a newer one came meanwhile. */
    private void write(Runnable call, List<Write> chunk) throws Exception {
        try {
            Retry.decorateCheckedRunnable(retry, () -> breaker.executeCheckedSupplier(() -> {
                call.run();
                return null;
            })).run();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable other) { // neither: only a checked throwable of no known kind
            throw new java.util.concurrent.ExecutionException(other);
        }
        for (Write write : chunk) {
            pending.remove(write.id(), write);
        }
        writes.add(chunk.size());
    }

    /** The database answers again: write back every record in memory (versions keep older rows from winning). */
    private void resync() {
        resyncs.increment();
        for (SubscriptionRecord record : records.values()) {
            pending.putIfAbsent(record.id(), new Write(record.id(), Optional.of(record)));
        }
        LOG.warn("Subscription database is back: writing back {} records from memory and the deletions made meanwhile", pending.size());
        scheduleFlush(Duration.ZERO);
    }

    /**
     * Forgets every record in memory, leaving the database as it is: in a pool, the member that hands the bridge over or
     * loses it no longer acts for its subscriptions; the next owner recovers them from the database. Writes still waiting
     * are tried once; what the database does not take then is dropped (logged), since a later write from here could
     * undo the next owner's.
     */
    public void forgetAll() {
        flush();
        synchronized (flushLock) {
            int dropped = pending.size();
            pending.clear();
            records.clear();
            byKey.clear();
            if (dropped > 0) {
                LOG.warn("Subscription records forgotten here with {} changes the database did not take; the next owner "
                        + "recovers the records as the database has them", dropped);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
