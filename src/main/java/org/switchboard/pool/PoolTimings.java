package org.switchboard.pool;

import java.time.Duration;

/**
 * How a pool member keeps its leases: its membership lasts {@code lease} from each renewal, renewed every
 * {@code renewEvery}; another member's membership counts as lapsed only {@code skew} after its expiry (clocks of
 * two machines differ), and this member stops acting {@code skew} before its own expiry; at most
 * {@code claimsPerRenewal} leases are taken or handed over per renewal (a takeover or rebalancing is paced).
 */
public record PoolTimings(Duration lease, Duration renewEvery, Duration skew, int claimsPerRenewal) {

    public PoolTimings {
        if (renewEvery.multipliedBy(2).compareTo(lease) > 0) {
            throw new IllegalArgumentException("the lease must last at least two renewals");
        }
        if (skew.multipliedBy(2).compareTo(lease.minus(renewEvery)) >= 0) {
            throw new IllegalArgumentException("the clock skew allowed must be well below the lease");
        }
        if (claimsPerRenewal < 1) {
            throw new IllegalArgumentException("claims per renewal must be at least 1");
        }
    }
}
