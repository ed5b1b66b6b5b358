package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NotifyStateTest {

    @Test
    void active_with_expires() {
        NotifyState state = NotifyState.parse("active;expires=3600");
        assertThat(state.terminated()).isFalse();
        assertThat(state.expires()).contains(Duration.ofHours(1));
    }

    @Test
    void terminated_with_reason_and_retry_after_in_any_case_and_spacing() {
        NotifyState state = NotifyState.parse("Terminated ; Reason=Probation ; retry-after=20");
        assertThat(state.terminated()).isTrue();
        assertThat(state.reason()).contains("probation");
        assertThat(state.retryAfter()).contains(Duration.ofSeconds(20));
    }

    @Test
    void extension_parameters_are_ignored() {
        assertThat(NotifyState.parse("pending;expires=60;x-foo=bar").state()).isEqualTo("pending");
    }

    @Test
    void a_missing_header_or_a_non_numeric_expires_is_refused() {
        assertThatThrownBy(() -> NotifyState.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NotifyState.parse("active;expires=soon")).isInstanceOf(IllegalArgumentException.class);
    }
}
