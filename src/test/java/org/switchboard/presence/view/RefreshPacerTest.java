package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

class RefreshPacerTest {

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    @Test
    void thousands_of_refreshes_go_out_at_the_configured_rate_never_in_one_burst() {
        RefreshPacer pacer = new RefreshPacer(scheduler, clock, 50);
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
        RefreshPacer pacer = new RefreshPacer(scheduler, clock, 10);
        List<String> order = new ArrayList<>();
        pacer.submit(List.of(() -> order.add("a1"), () -> order.add("a2")));
        pacer.submit(List.of(() -> order.add("b1")));
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(order).containsExactly("a1", "a2", "b1");
        pacer.submit(List.of(() -> order.add("c1")));
        scheduler.runDue();
        assertThat(order).containsExactly("a1", "a2", "b1", "c1");
    }

    @Test
    void sending_that_takes_time_does_not_slow_the_rate_below_the_configured_one() {
        RefreshPacer pacer = new RefreshPacer(scheduler, clock, 500);
        List<Instant> sentAt = new ArrayList<>();
        List<Runnable> refreshes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            refreshes.add(() -> {
                sentAt.add(clock.instant());
                clock.advance(Duration.ofMillis(1)); // each SUBSCRIBE takes 1 ms to send, half the 2 ms spacing
            });
        }
        Instant start = clock.instant();
        pacer.submit(refreshes);
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(sentAt).as("500 per second, not one per (spacing + sending time)").hasSizeBetween(500, 501);
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(sentAt).hasSize(1000);
        assertThat(Duration.between(start, sentAt.get(999))).isEqualTo(Duration.ofMillis(999 * 2));
    }

    @Test
    void a_pacer_held_up_catches_up_at_most_a_tenth_of_a_second_of_releases_at_once() {
        RefreshPacer pacer = new RefreshPacer(scheduler, clock, 1000);
        List<Instant> sentAt = new ArrayList<>();
        List<Runnable> refreshes = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            int n = i;
            refreshes.add(() -> {
                sentAt.add(clock.instant());
                if (n == 10) {
                    clock.advance(Duration.ofSeconds(1)); // a collector pause in the middle of a send
                }
            });
        }
        pacer.submit(refreshes);
        scheduler.advance(Duration.ofSeconds(5));

        assertThat(sentAt).hasSize(2000);
        Map<Instant, Long> perInstant = sentAt.stream().collect(Collectors.groupingBy(t -> t, Collectors.counting()));
        assertThat(perInstant.values().stream().mapToLong(Long::longValue).max().orElse(0))
                .as("the largest burst after the pause: 100 ms worth at 1,000/s, and the one due now").isLessThanOrEqualTo(101);
        for (Instant from : sentAt) {
            long inWindow = sentAt.stream().filter(t -> !t.isBefore(from) && t.isBefore(from.plusSeconds(1))).count();
            assertThat(inWindow).as("sent in the second from %s", from).isLessThanOrEqualTo(1000 + 101);
        }
    }
}
