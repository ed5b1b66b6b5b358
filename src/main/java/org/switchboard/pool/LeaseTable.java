package org.switchboard.pool;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The pool's shared tables: its members and their leases. Every method may throw when the database fails. */
public interface LeaseTable {

    /** Writes this member's row (state, lease expiry, renewal time, address), creating it on the first call. */
    void renew(Member member);

    /** This instance's row, when it has one. */
    Optional<Member> member(String instanceId);

    List<Member> members();

    List<LeaseRow> leases();

    /** Adds a free lease for {@code key} unless one exists. */
    void insertIfAbsent(LeaseKey key);

    /** Makes {@code owner} the owner if the lease is still at {@code epoch}; whether it did. */
    boolean claim(LeaseKey key, long epoch, String owner, Instant at);

    /** Frees the lease if {@code owner} still holds it; whether it did. */
    boolean release(LeaseKey key, String owner, Instant at);

    /** Adds a free lease for each key that has none; a store may do it in few round trips (the default: one by one). */
    default void insertAllIfAbsent(Collection<LeaseKey> keys) {
        keys.forEach(this::insertIfAbsent);
    }

    /**
     * Claims each lease still at its epoch for {@code owner}, each claim conditional on its own; the keys claimed. A store
     * may do it in few round trips (the default: one by one).
     */
    default Set<LeaseKey> claimAll(Map<LeaseKey, Long> epochs, String owner, Instant at) {
        Set<LeaseKey> claimed = new HashSet<>();
        epochs.forEach((key, epoch) -> {
            if (claim(key, epoch, owner, at)) {
                claimed.add(key);
            }
        });
        return claimed;
    }

    /** Frees each lease {@code owner} still holds; a store may do it in few round trips (the default: one by one). */
    default void releaseAll(Collection<LeaseKey> keys, String owner, Instant at) {
        keys.forEach(key -> release(key, owner, at));
    }
}
