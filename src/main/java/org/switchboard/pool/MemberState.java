package org.switchboard.pool;

/** Where a pool member stands, as the others see it in the member table. */
public enum MemberState {
    /** Renewing its lease and taking work. */
    READY,
    /** Stopping: handing its work over and taking none. */
    DRAINING,
    /** Stopped cleanly: its leases may be taken at once, without waiting for its membership to expire. */
    GONE
}
