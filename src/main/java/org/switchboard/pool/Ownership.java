package org.switchboard.pool;

/**
 * Who does which piece of work. A single instance owns everything ({@link #everything()}); in a pool each piece
 * has one owning instance at a time, chosen by leases in the shared database ({@link PoolMember}).
 */
public interface Ownership {

    /**
     * This instance wants {@code work} done for {@code key}: it starts once this instance owns the key (at once on a
     * single instance), and stops when the key is handed over or lost.
     */
    Claim want(LeaseKey key, Owned work);

    /** A wanted key, until the work is no longer wanted. */
    interface Claim {
        /** The work is no longer wanted here (the caller has ended it): the lease, when held, is given up. */
        void drop();
    }

    /** A single instance: every key is this instance's from the start. */
    static Ownership everything() {
        return (key, work) -> {
            work.acquired();
            return () -> { };
        };
    }
}
