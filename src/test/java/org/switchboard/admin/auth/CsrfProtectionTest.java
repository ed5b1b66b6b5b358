package org.switchboard.admin.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.MutableClock;

/** Logins, their CSRF tokens, and the same-origin check of writes. */
class CsrfProtectionTest {

    private final MutableClock clock = new MutableClock();
    private final AdminSessions sessions = new AdminSessions(clock, Duration.ofMinutes(30));

    @Test
    void a_session_accepts_only_its_own_csrf_token() {
        AdminSessions.Session mine = sessions.create();
        AdminSessions.Session other = sessions.create();
        assertThat(mine.acceptsCsrfToken(mine.csrfToken())).isTrue();
        assertThat(mine.acceptsCsrfToken(other.csrfToken())).isFalse();
        assertThat(mine.acceptsCsrfToken(null)).isFalse();
        assertThat(mine.acceptsCsrfToken("")).isFalse();
        assertThat(mine.acceptsCsrfToken(mine.token())).as("the cookie is not the CSRF token").isFalse();
    }

    @Test
    void tokens_are_random_and_long() {
        AdminSessions.Session a = sessions.create();
        AdminSessions.Session b = sessions.create();
        assertThat(a.token()).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(b.token()).isNotEqualTo(a.csrfToken());
    }

    @Test
    void a_session_lapses_after_the_idle_time_and_each_use_restarts_it() {
        AdminSessions.Session session = sessions.create();
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(session.token())).contains(session);
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(session.token())).as("used a minute ago").contains(session);
        clock.advance(Duration.ofMinutes(30));
        assertThat(sessions.find(session.token())).isEmpty();
    }

    @Test
    void unknown_tokens_and_logged_out_sessions_are_not_found() {
        AdminSessions.Session session = sessions.create();
        assertThat(sessions.find("forged")).isEmpty();
        assertThat(sessions.find(null)).isEmpty();
        sessions.remove(session.token());
        assertThat(sessions.find(session.token())).isEmpty();
    }

    @Test
    void sessions_are_bounded_and_the_least_recently_used_goes_first() {
        AdminSessions.Session first = sessions.create();
        AdminSessions.Session second = sessions.create();
        sessions.find(first.token());
        for (int i = 0; i < AdminSessions.MAX_SESSIONS - 1; i++) {
            sessions.create();
        }
        assertThat(sessions.find(second.token())).isEmpty();
        assertThat(sessions.find(first.token())).isEqualTo(Optional.of(first));
    }

    @Test
    void a_write_from_this_server_s_own_page_passes() {
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", "http://127.0.0.1:8080", null)).isTrue();
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", null, "http://127.0.0.1:8080/switchboard/status")).isTrue();
    }

    @Test
    void a_write_from_another_origin_is_refused() {
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", "http://evil.example", null)).isFalse();
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", "http://127.0.0.1:8081", null)).as("another port").isFalse();
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", "https://127.0.0.1:8080", null)).as("another scheme").isFalse();
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", "null", null)).as("an opaque origin").isFalse();
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", null, "http://evil.example/page")).isFalse();
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", null, "http://127.0.0.1:8080.evil.example/")).isFalse();
        assertThat(SameOrigin.allows("http", null, "http://127.0.0.1:8080", null)).as("no Host").isFalse();
    }

    @Test
    void origin_wins_over_referer() {
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", "http://evil.example", "http://127.0.0.1:8080/switchboard/status")).isFalse();
    }

    @Test
    void a_request_naming_no_page_is_left_to_the_csrf_token() {
        assertThat(SameOrigin.allows("http", "127.0.0.1:8080", null, null)).isTrue();
    }
}
