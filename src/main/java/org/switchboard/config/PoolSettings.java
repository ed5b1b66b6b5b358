package org.switchboard.config;

/**
 * Membership of a pool of instances sharing one database (PostgreSQL): each registration, presence view target and
 * the XMPP bridge is done by one member at a time, which holds its lease; a member's leases are taken over once its
 * membership lapses.
 *
 * @param enabled           take part in a pool (false: this instance does everything itself)
 * @param leaseSeconds      how long a membership lasts after each renewal: a dead member's work is taken over this long
 *                          (plus the clock skew) after its last renewal
 * @param renewSeconds      how often a member renews its membership and balances its work
 * @param clockSkewMillis   how far the members' clocks may differ: a member stops acting this long before its
 *                          membership expires, and the others wait this long after it
 * @param claimsPerRenewal  leases taken over or handed over per renewal at most (paces a takeover and rebalancing)
 */
public record PoolSettings(boolean enabled, int leaseSeconds, int renewSeconds, int clockSkewMillis, int claimsPerRenewal) {

    static PoolSettings defaults() {
        return new PoolSettings(false, 10, 3, 1000, 2000);
    }
}
