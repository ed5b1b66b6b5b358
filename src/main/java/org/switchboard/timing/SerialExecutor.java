package org.switchboard.timing;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs its tasks one at a time, in the order given, on threads of a shared executor: one entity's work (a DNS
 * lookup, a database write, the next timer) stays ordered without holding a thread of its own, and a slow task
 * of one entity holds up only that entity's later tasks, never another entity's.
 */
public final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor threads;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    public SerialExecutor(Executor threads) {
        this.threads = threads;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        try {
            threads.execute(this::drain);
        } catch (RuntimeException rejected) { // the shared executor is shut down: nothing of this entity runs any more
            synchronized (tasks) {
                tasks.clear();
                running = false;
            }
            LOG.debug("Task not run, the executor is shut down: {}", rejected.toString());
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                LOG.warn("Task failed; the next ones run all the same", e);
            }
        }
    }
}
