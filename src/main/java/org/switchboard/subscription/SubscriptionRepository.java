package org.switchboard.subscription;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The subscription table, seen only through this narrow interface. Every method may throw when the database is away. */
public interface SubscriptionRepository {

    /** Stores the record unless the stored one has the same or a higher version, in one statement. */
    void upsert(SubscriptionRecord record);

    /** Deletes the record; deleting a record that is not there is not an error. */
    void delete(String id);

    /** {@link #upsert} for many records, in one transaction where the database allows: all or nothing. */
    default void upsertAll(List<SubscriptionRecord> records) {
        records.forEach(this::upsert);
    }

    /** {@link #delete} for many records, in one transaction where the database allows. */
    default void deleteAll(List<String> ids) {
        ids.forEach(this::delete);
    }

    Optional<SubscriptionRecord> find(String id);

    Optional<SubscriptionRecord> find(SubscriptionRecord.SubscriptionKey key);

    /**
     * The next batch for a recovery run that started at {@code runStart}: records never recovered, or last
     * recovered before the run started, stalest first (never-recovered first, then by last recovery, then
     * by id).
     */
    List<SubscriptionRecord> stalest(Instant runStart, int batchSize);

    /** How many records a run starting at {@code runStart} still has to recover. */
    long countNotRecoveredSince(Instant runStart);

    /** Every record, for comparisons and listings. */
    List<SubscriptionRecord> all();
}
