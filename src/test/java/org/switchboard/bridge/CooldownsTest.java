package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.switchboard.bridge.SipWatchers.Watch;
import org.switchboard.endpoint.Aor;
import org.switchboard.testing.MutableClock;

class CooldownsTest {

    private static final Watch CAROL_WATCHES_DAVE = new Watch(Aor.parse("sip:carol@example.com"), BareJid.parse("dave@xmpp.example.test"));
    private static final Watch ERIC_WATCHES_DAVE = new Watch(Aor.parse("sip:eric@example.com"), BareJid.parse("dave@xmpp.example.test"));
    private static final Duration LENGTH = Duration.ofMinutes(5);

    private final MutableClock clock = new MutableClock();
    private final Cooldowns cooldowns = new Cooldowns(clock, LENGTH);

    @Test
    void a_watch_without_a_cooldown_is_not_refused() {
        assertThat(cooldowns.remaining(CAROL_WATCHES_DAVE)).isEmpty();
    }

    @Test
    void a_started_cooldown_refuses_that_watch_for_its_length_and_says_how_long_is_left() {
        cooldowns.start(CAROL_WATCHES_DAVE);
        assertThat(cooldowns.remaining(CAROL_WATCHES_DAVE)).contains(LENGTH);

        clock.advance(Duration.ofMinutes(2));
        assertThat(cooldowns.remaining(CAROL_WATCHES_DAVE)).contains(Duration.ofMinutes(3));
        assertThat(cooldowns.remaining(ERIC_WATCHES_DAVE)).as("another watch").isEmpty();
    }

    @Test
    void a_cooldown_ends_at_its_length() {
        cooldowns.start(CAROL_WATCHES_DAVE);
        clock.advance(LENGTH.minusMillis(1));
        assertThat(cooldowns.remaining(CAROL_WATCHES_DAVE)).contains(Duration.ofMillis(1));
        clock.advance(Duration.ofMillis(1));
        assertThat(cooldowns.remaining(CAROL_WATCHES_DAVE)).isEmpty();
    }

    @Test
    void starting_again_restarts_it() {
        cooldowns.start(CAROL_WATCHES_DAVE);
        clock.advance(Duration.ofMinutes(4));
        cooldowns.start(CAROL_WATCHES_DAVE);
        clock.advance(Duration.ofMinutes(4));
        assertThat(cooldowns.remaining(CAROL_WATCHES_DAVE)).contains(Duration.ofMinutes(1));
    }

    @Test
    void clearing_ends_it_at_once() {
        cooldowns.start(CAROL_WATCHES_DAVE);
        cooldowns.clear(CAROL_WATCHES_DAVE);
        assertThat(cooldowns.remaining(CAROL_WATCHES_DAVE)).isEmpty();
    }

    @Test
    void a_zero_length_disables_cooldowns() {
        Cooldowns disabled = new Cooldowns(clock, Duration.ZERO);
        disabled.start(CAROL_WATCHES_DAVE);
        assertThat(disabled.remaining(CAROL_WATCHES_DAVE)).isEmpty();
        assertThat(disabled.purgeEnded()).isZero();
    }

    @Test
    void purging_forgets_only_ended_cooldowns() {
        cooldowns.start(CAROL_WATCHES_DAVE);
        clock.advance(Duration.ofMinutes(3));
        cooldowns.start(ERIC_WATCHES_DAVE);
        clock.advance(Duration.ofMinutes(2));

        assertThat(cooldowns.purgeEnded()).isEqualTo(1);
        assertThat(cooldowns.purgeEnded()).isZero();
        assertThat(cooldowns.remaining(ERIC_WATCHES_DAVE)).contains(Duration.ofMinutes(3));
    }
}
