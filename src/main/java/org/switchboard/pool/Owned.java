package org.switchboard.pool;

/** Work an instance does only while it holds the work's lease. Called on the pool's thread, never concurrently. */
public interface Owned {

    /** The lease is this instance's now: start the work. */
    void acquired();

    /**
     * The lease is no longer this instance's. {@code handover}: it is being handed to another instance (draining,
     * rebalancing) — end the work cleanly (unregister, unsubscribe); otherwise another instance may hold it already
     * — stop at once without a word on the wire, or two instances would act for one item.
     */
    void released(boolean handover);
}
