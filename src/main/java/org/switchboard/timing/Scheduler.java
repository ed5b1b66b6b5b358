package org.switchboard.timing;

import java.time.Duration;

/** Runs work later. Injected, so timing logic is tested on a manual clock without sleeping. */
public interface Scheduler {

    /** Runs {@code task} after {@code delay}; the handle cancels it if it has not run. */
    Cancellable schedule(Duration delay, Runnable task);

    interface Cancellable {
        void cancel();
    }
}
