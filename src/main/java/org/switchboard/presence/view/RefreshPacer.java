package org.switchboard.presence.view;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Queue;
import org.switchboard.timing.Scheduler;

/**
 * Releases forced refreshes at a steady rate, so that refreshing thousands of targets never sends
 * thousands of SUBSCRIBEs in one burst. Shared by every view of a platform.
 *
 * <p>The rate is kept against the clock, not by waiting one spacing after each release: sending a SUBSCRIBE takes
 * time too, and a pacer that waited its spacing after each send went out at a fraction of its rate (at 2,000/s
 * configured, ~500/s measured). Each release is due one spacing after the one before; what has fallen due goes out
 * together in one turn, and a pacer held up (a busy machine, a collector pause) catches up at most {@link #CATCH_UP}
 * worth of releases at once, so it never sends a burst larger than that.
 */
public final class RefreshPacer {

    /** The most a late pacer makes up at once: this long's worth of releases. */
    static final Duration CATCH_UP = Duration.ofMillis(100);

    private final Scheduler scheduler;
    private final Clock clock;
    private volatile Duration spacing;
    private final Queue<Runnable> queue = new ArrayDeque<>();
    private boolean draining;
    private boolean open;
    /** When the next release is due (while draining). */
    private Instant nextDue;

    /** An open pacer: what is submitted starts going out at once. */
    public RefreshPacer(Scheduler scheduler, Clock clock, int perSecond) {
        this(scheduler, clock, perSecond, true);
    }

    /**
     * @param perSecond how many go out per second at most
     * @param open      false: hold everything until {@link #open()} (SIP cannot be sent before the
     *                  container has finished deploying the application)
     */
    public RefreshPacer(Scheduler scheduler, Clock clock, int perSecond, boolean open) {
        this.scheduler = scheduler;
        this.clock = clock;
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
            nextDue = clock.instant();
            scheduler.schedule(Duration.ZERO, this::releaseDue);
        }
    }

    /** Refreshes waiting to go out. */
    public synchronized int waiting() {
        return queue.size();
    }

    /** Releases every refresh due by now (at most {@link #CATCH_UP} worth), then waits for the next one's time. */
    private void releaseDue() {
        Duration step = spacing;
        Instant now = clock.instant();
        Instant earliest = now.minus(CATCH_UP);
        if (nextDue.isBefore(earliest)) {
            nextDue = earliest; // held up: what is older than the catch-up window is not made up
        }
        boolean ended = false;
        try {
            while (!ended && !nextDue.isAfter(now)) {
                Runnable next;
                synchronized (this) {
                    next = queue.poll();
                    if (next == null) {
                        draining = false; // a submit from now on starts draining anew
                        ended = true;
                        continue;
                    }
                }
                nextDue = nextDue.plus(step);
                next.run();
            }
        } finally {
            if (!ended) {
                synchronized (this) {
                    if (queue.isEmpty()) {
                        draining = false;
                    } else {
                        Duration wait = Duration.between(clock.instant(), nextDue);
                        scheduler.schedule(wait.isNegative() ? Duration.ZERO : wait, this::releaseDue);
                    }
                }
            }
        }
    }
}
