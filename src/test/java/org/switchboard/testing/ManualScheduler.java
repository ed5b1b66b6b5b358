package org.switchboard.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.switchboard.timing.Scheduler;

/**
 * A scheduler on a {@link MutableClock}: tasks run when a test moves time past them, in time order,
 * on the test's thread. Nothing sleeps.
 */
public final class ManualScheduler implements Scheduler {

    private final MutableClock clock;
    private final List<Task> tasks = new ArrayList<>();
    private long seq;

    public ManualScheduler(MutableClock clock) {
        this.clock = clock;
    }

    private final class Task implements Cancellable {
        final Instant due;
        final long order;
        final Runnable work;
        boolean cancelled;

        Task(Instant due, long order, Runnable work) {
            this.due = due;
            this.order = order;
            this.work = work;
        }

        @Override
        public void cancel() {
            synchronized (ManualScheduler.this) {
                cancelled = true;
                tasks.remove(this);
            }
        }
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable work) {
        Task task = new Task(clock.instant().plus(delay), seq++, work);
        tasks.add(task);
        return task;
    }

    /** Moves time forward by {@code duration}, running every task that falls due, in order. */
    public void advance(Duration duration) {
        Instant end = clock.instant().plus(duration);
        for (int guard = 0; guard < 1_000_000; guard++) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.due.isAfter(end))
                        .min(Comparator.comparing((Task t) -> t.due).thenComparingLong(t -> t.order)).orElse(null);
                if (next == null) {
                    break;
                }
                tasks.remove(next);
            }
            Duration step = Duration.between(clock.instant(), next.due);
            if (!step.isNegative()) {
                clock.advance(step);
            }
            next.work.run();
        }
        Duration rest = Duration.between(clock.instant(), end);
        if (!rest.isNegative()) {
            clock.advance(rest);
        }
    }

    /** Runs what is due now without moving time. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** How long until the next task, if any. */
    public synchronized Optional<Duration> nextDelay() {
        return tasks.stream().map(t -> t.due).min(Comparator.naturalOrder()).map(d -> Duration.between(clock.instant(), d));
    }

    public synchronized int pending() {
        return tasks.size();
    }
}
