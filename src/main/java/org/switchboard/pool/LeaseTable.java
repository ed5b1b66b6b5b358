package org.switchboard.pool;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

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
}
