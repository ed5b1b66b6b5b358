package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

class RefreshPacerTest {

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    @Test
    void thousands_of_refreshes_go_out_at_the_configured_rate_never_in_one_burst() {
        RefreshPacer pacer = new RefreshPacer(scheduler, 50);
        List<Instant> sentAt = new ArrayList<>();
        List<Runnable> refreshes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            refreshes.add(() -> sentAt.add(clock.instant()));
        }
        Instant start = clock.instant();
        pacer.submit(refreshes);
        scheduler.runDue();
        assertThat(sentAt).hasSize(1);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(sentAt).as("50 per second").hasSize(51);
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(sentAt).hasSize(1000);
        assertThat(Duration.between(start, sentAt.get(999))).isEqualTo(Duration.ofMillis(999 * 20));
        assertThat(pacer.waiting()).isZero();
    }

    @Test
    void refreshes_submitted_while_draining_join_the_same_queue() {
        RefreshPacer pacer = new RefreshPacer(scheduler, 10);
        List<String> order = new ArrayList<>();
        pacer.submit(List.of(() -> order.add("a1"), () -> order.add("a2")));
        pacer.submit(List.of(() -> order.add("b1")));
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(order).containsExactly("a1", "a2", "b1");
        pacer.submit(List.of(() -> order.add("c1")));
        scheduler.runDue();
        assertThat(order).containsExactly("a1", "a2", "b1", "c1");
    }
}
