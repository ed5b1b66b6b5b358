package org.switchboard.pool;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pool as this member saw it at its last renewal: the members with their state and lease expiry, how many leases
 * of each kind this member holds, and its takeovers (leases taken from a member whose membership lapsed), handovers
 * (given up while draining or rebalancing) and losses (stopped because another member holds them now, or because it
 * could not renew in time).
 */
public record PoolStatus(String instanceId, String address, MemberState state, Optional<Instant> lastRenewal, List<Member> members,
        Map<LeaseKey.Kind, Integer> owned, long takeovers, long handovers, long lost) {

    public PoolStatus {
        members = List.copyOf(members);
        owned = Map.copyOf(owned);
    }
}
