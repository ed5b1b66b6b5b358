package org.switchboard.presence.view;

import org.switchboard.timing.Scheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Queue;

/**
 * Releases forced refreshes at a steady rate, so that refreshing thousands of targets never sends
 * thousands of SUBSCRIBEs in one burst. Shared by every view of a platform.
 */
public final class RefreshPacer {

    private final Scheduler scheduler;
    private volatile Duration spacing;
    private final Queue<Runnable> queue = new ArrayDeque<>();
    private boolean draining;
    private boolean open;

    /** An open pacer: what is submitted starts going out at once. */
    public RefreshPacer(Scheduler scheduler, int perSecond) {
        this(scheduler, perSecond, true);
    }

    /**
     * @param perSecond how many go out per second at most
     * @param open      false: hold everything until {@link #open()} (SIP cannot be sent before the
     *                  container has finished deploying the application)
     */
    public RefreshPacer(Scheduler scheduler, int perSecond, boolean open) {
        this.scheduler = scheduler;
        setRate(perSecond);
        this.open = open;
    }

    /** How many go out per second at most; a change applies from the next release. */
    public void setRate(int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("perSecond must be at least 1");
        }
        this.spacing = Duration.ofNanos(1_000_000_000L / perSecond);
    }

    public int rate() {
        return (int) (1_000_000_000L / spacing.toNanos());
    }

    /** Starts releasing what was held. Idempotent. */
    public synchronized void open() {
        open = true;
        startDraining();
    }

    /** Queues work; the first goes out at once (once open), the others one per spacing. */
    public synchronized void submit(Collection<? extends Runnable> refreshes) {
        queue.addAll(refreshes);
        startDraining();
    }

    private void startDraining() {
        if (open && !draining && !queue.isEmpty()) {
            draining = true;
            scheduler.schedule(Duration.ZERO, this::releaseOne);
        }
    }

    /** Refreshes waiting to go out. */
    public synchronized int waiting() {
        return queue.size();
    }

    private void releaseOne() {
        Runnable next;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                draining = false;
                return;
            }
        }
        try {
            next.run();
        } finally {
            synchronized (this) {
                if (queue.isEmpty()) {
                    draining = false;
                } else {
                    scheduler.schedule(spacing, this::releaseOne);
                }
            }
        }
    }
}
