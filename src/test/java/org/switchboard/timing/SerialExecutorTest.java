package org.switchboard.timing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SerialExecutorTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void tasks_run_one_at_a_time_in_the_order_given() throws Exception {
        SerialExecutor serial = new SerialExecutor(threads);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1000);
        for (int i = 0; i < 1000; i++) {
            int n = i;
            serial.execute(() -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                ran.add(n);
                running.decrementAndGet();
                done.countDown();
            });
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isSorted().hasSize(1000);
        assertThat(mostAtOnce).hasValue(1);
    }

    @Test
    void a_stuck_task_holds_up_only_its_own_executors_later_tasks() throws Exception {
        SerialExecutor stuck = new SerialExecutor(threads);
        SerialExecutor other = new SerialExecutor(threads);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch afterStuck = new CountDownLatch(1);
        CountDownLatch otherRan = new CountDownLatch(1);
        stuck.execute(() -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stuck.execute(afterStuck::countDown);
        other.execute(otherRan::countDown);
        assertThat(otherRan.await(10, TimeUnit.SECONDS)).as("another entity's task").isTrue();
        assertThat(afterStuck.getCount()).as("the stuck entity's next task waits").isEqualTo(1);
        release.countDown();
        assertThat(afterStuck.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void a_failing_task_does_not_stop_the_next() throws Exception {
        SerialExecutor serial = new SerialExecutor(threads);
        CountDownLatch next = new CountDownLatch(1);
        serial.execute(() -> {
            throw new IllegalStateException("boom");
        });
        serial.execute(next::countDown);
        assertThat(next.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
