package org.switchboard.admin.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.MutableClock;

class LoginThrottleTest {

    private final MutableClock clock = new MutableClock();
    private final LoginThrottle throttle = new LoginThrottle(clock, 3, Duration.ofSeconds(60), 100);

    @Test
    void a_client_is_refused_after_its_failures_until_the_window_of_the_first_one_ends() {
        throttle.failed("10.0.0.1");
        clock.advance(Duration.ofSeconds(10));
        throttle.failed("10.0.0.1");
        assertThat(throttle.refusedFor("10.0.0.1")).isEmpty();
        throttle.failed("10.0.0.1");

        assertThat(throttle.refusedFor("10.0.0.1")).contains(Duration.ofSeconds(50));
        assertThat(throttle.refusedFor("10.0.0.2")).as("another client").isEmpty();
        clock.advance(Duration.ofSeconds(49));
        assertThat(throttle.refusedFor("10.0.0.1")).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.refusedFor("10.0.0.1")).isEmpty();

        throttle.failed("10.0.0.1");
        assertThat(throttle.refusedFor("10.0.0.1")).as("a new window counts from one").isEmpty();
    }

    @Test
    void a_success_clears_the_count() {
        throttle.failed("10.0.0.1");
        throttle.failed("10.0.0.1");
        throttle.succeeded("10.0.0.1");
        throttle.failed("10.0.0.1");
        throttle.failed("10.0.0.1");
        assertThat(throttle.refusedFor("10.0.0.1")).isEmpty();
    }

    @Test
    void beyond_the_tracked_clients_a_flood_from_many_addresses_shares_one_count() {
        LoginThrottle small = new LoginThrottle(clock, 3, Duration.ofSeconds(60), 2);
        small.failed("10.0.0.1");
        small.failed("10.0.0.2");
        for (int i = 3; i < 1_000; i++) {
            small.failed("10.0.0." + i);
        }
        assertThat(small.refusedFor("10.0.9.9")).as("any new address, counted with the overflow").isPresent();
        assertThat(small.refusedFor("10.0.0.1")).as("a tracked client keeps its own count").isEmpty();

        clock.advance(Duration.ofSeconds(60));
        small.failed("10.0.1.1"); // expired windows make room
        assertThat(small.refusedFor("10.0.1.1")).isEmpty();
    }
}
