package org.switchboard.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.store.InstanceIdentity;
import org.switchboard.testing.MutableClock;

class PlatformTest {

    private final MutableClock clock = new MutableClock();

    private Platform platform() {
        return new Platform(SwitchboardConfig.defaults(), null, new InstanceIdentity("id", Instant.EPOCH, 1), clock, null, null, null, null, null,
                java.util.Optional.empty(), null, null, null, java.util.Optional.empty(), java.util.Optional.empty());
    }

    @Test
    void uptime_is_measured_from_the_start_on_the_platform_clock() {
        Platform platform = platform();
        Instant started = platform.startedAt();
        assertThat(platform.uptime()).isZero();
        clock.advance(Duration.ofSeconds(90));
        assertThat(platform.uptime()).isEqualTo(Duration.ofSeconds(90));
        assertThat(platform.startedAt()).isEqualTo(started);
    }
}
