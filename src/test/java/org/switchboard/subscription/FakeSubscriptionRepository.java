package org.switchboard.subscription;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The subscription table in memory, with the same rules, and a switch that makes it unreachable. */
final class FakeSubscriptionRepository implements SubscriptionRepository {

    private final Map<String, SubscriptionRecord> rows = new TreeMap<>();
    private volatile boolean down;
    private volatile Error error;
    final AtomicInteger calls = new AtomicInteger();

    void goDown() {
        down = true;
    }

    void comeBack() {
        down = false;
        error = null;
    }

    /** Every call throws this error (as the JVM throws OutOfMemoryError), until {@link #comeBack()}. */
    void throwError(Error thrown) {
        error = thrown;
    }

    private void check() {
        calls.incrementAndGet();
        Error thrown = error;
        if (thrown != null) {
            throw thrown;
        }
        if (down) {
            throw new IllegalStateException("connection refused (test database is down)");
        }
    }

    @Override
    public synchronized void upsert(SubscriptionRecord record) {
        check();
        SubscriptionRecord stored = rows.get(record.id());
        if (stored == null || stored.version() < record.version()) {
            rows.put(record.id(), record);
        }
    }

    @Override
    public synchronized void delete(String id) {
        check();
        rows.remove(id);
    }

    @Override
    public synchronized Optional<SubscriptionRecord> find(String id) {
        check();
        return Optional.ofNullable(rows.get(id));
    }

    @Override
    public synchronized Optional<SubscriptionRecord> find(SubscriptionRecord.SubscriptionKey key) {
        check();
        return rows.values().stream().filter(r -> r.key().equals(key)).findFirst();
    }

    @Override
    public synchronized List<SubscriptionRecord> stalest(Instant runStart, int batchSize) {
        check();
        return rows.values().stream()
                .filter(r -> r.lastRecoveredAt().isEmpty() || r.lastRecoveredAt().get().isBefore(runStart))
                .sorted(Comparator.comparing((SubscriptionRecord r) -> r.lastRecoveredAt().orElse(Instant.MIN)).thenComparing(SubscriptionRecord::id))
                .limit(batchSize).toList();
    }

    @Override
    public synchronized long countNotRecoveredSince(Instant runStart) {
        check();
        return rows.values().stream().filter(r -> r.lastRecoveredAt().isEmpty() || r.lastRecoveredAt().get().isBefore(runStart)).count();
    }

    @Override
    public synchronized List<SubscriptionRecord> all() {
        check();
        return new ArrayList<>(rows.values());
    }

    /** The rows, bypassing the switch, for assertions. */
    synchronized Map<String, SubscriptionRecord> rows() {
        return new TreeMap<>(rows);
    }
}
