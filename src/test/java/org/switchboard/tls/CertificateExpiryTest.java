package org.switchboard.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/** The certificate's days left and the daily warning from 30 days before it expires, on a manual clock. */
class CertificateExpiryTest {

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<String> warnings = new ArrayList<>();

    private CertificateExpiry expiringIn(Duration left) {
        return new CertificateExpiry("CN=switchboard", clock.instant().plus(left), clock, scheduler, warnings::add);
    }

    @Test
    void days_until_expiry_are_whole_days_rounded_down() {
        CertificateExpiry certificate = expiringIn(Duration.ofDays(40).plusHours(23));
        assertThat(certificate.daysUntilExpiry()).isEqualTo(40);
        clock.advance(Duration.ofDays(41));
        assertThat(certificate.daysUntilExpiry()).isEqualTo(-1);
    }

    @Test
    void no_warning_while_more_than_30_days_are_left() {
        expiringIn(Duration.ofDays(30).plusHours(1)).start();
        assertThat(warnings).isEmpty();
    }

    @Test
    void the_warning_comes_on_the_daily_check_once_30_days_are_left_and_then_once_a_day() {
        CertificateExpiry certificate = expiringIn(Duration.ofDays(31).plusHours(12));
        certificate.start();
        scheduler.advance(Duration.ofDays(1));
        assertThat(warnings).isEmpty();
        scheduler.advance(Duration.ofDays(1));
        assertThat(warnings).containsExactly("The TLS certificate CN=switchboard (server.tls.keystore) expires on "
                + certificate.notAfter() + ", in 29 days: renew it and restart before then");
        scheduler.advance(Duration.ofDays(1));
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(1)).contains("in 28 days");
    }

    @Test
    void an_expired_certificate_is_said_to_have_expired() {
        CertificateExpiry certificate = expiringIn(Duration.ofHours(1));
        certificate.start();
        scheduler.advance(Duration.ofDays(1));
        assertThat(warnings.get(1)).isEqualTo("The TLS certificate CN=switchboard (server.tls.keystore) expired on "
                + certificate.notAfter() + ": TLS peers refuse it; replace it and restart");
    }

    @Test
    void stopped_it_checks_no_more() {
        CertificateExpiry certificate = expiringIn(Duration.ofDays(10));
        certificate.start();
        certificate.stop();
        scheduler.advance(Duration.ofDays(3));
        assertThat(warnings).hasSize(1);
        assertThat(scheduler.pending()).isZero();
    }
}
