package org.switchboard.pool;

import java.time.Instant;

/** One instance as the member table shows it: alive while {@code leaseExpiresAt} is ahead and it is not gone. */
public record Member(String instanceId, String address, MemberState state, Instant leaseExpiresAt, Instant renewedAt,
        Instant startedAt) {

    /** Whether this member may still act for its leases at {@code now}. */
    public boolean aliveAt(Instant now) {
        return state != MemberState.GONE && leaseExpiresAt.isAfter(now);
    }
}
