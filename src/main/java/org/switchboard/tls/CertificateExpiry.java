package org.switchboard.tls;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.switchboard.timing.Scheduler;

/**
 * The certificate the SIP over TLS listener presents, and how long it has left: read by the health page, the
 * status API and a metric, and watched once a day, with a warning line from {@link #WARN_BEFORE} before it expires.
 */
public final class CertificateExpiry {

    static final Duration WARN_BEFORE = Duration.ofDays(30);
    static final Duration CHECK_EVERY = Duration.ofDays(1);
    private static final long SECONDS_PER_DAY = Duration.ofDays(1).toSeconds();

    private final String subject;
    private final Instant notAfter;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Consumer<String> warning;
    private Scheduler.Cancellable next;
    private boolean stopped;

    /** {@code warning} receives the warning lines (the log's WARN level in production). */
    public CertificateExpiry(String subject, Instant notAfter, Clock clock, Scheduler scheduler, Consumer<String> warning) {
        this.subject = subject;
        this.notAfter = notAfter;
        this.clock = clock;
        this.scheduler = scheduler;
        this.warning = warning;
    }

    public String subject() {
        return subject;
    }

    public Instant notAfter() {
        return notAfter;
    }

    /** Whole days until the certificate expires, rounded down; negative once it has. */
    public long daysUntilExpiry() {
        return Math.floorDiv(Duration.between(clock.instant(), notAfter).toSeconds(), SECONDS_PER_DAY);
    }

    /** Checks now, then once a day until {@link #stop()}. */
    public synchronized void start() {
        check();
    }

    public synchronized void stop() {
        stopped = true;
        if (next != null) {
            next.cancel();
        }
    }

    private synchronized void check() {
        if (stopped) {
            return;
        }
        Duration left = Duration.between(clock.instant(), notAfter);
        if (left.isNegative()) {
            warning.accept("The TLS certificate " + subject + " (server.tls.keystore) expired on " + notAfter
                    + ": TLS peers refuse it; replace it and restart");
        } else if (left.compareTo(WARN_BEFORE) <= 0) {
            warning.accept("The TLS certificate " + subject + " (server.tls.keystore) expires on " + notAfter + ", in "
                    + daysUntilExpiry() + " days: renew it and restart before then");
        }
        next = scheduler.schedule(CHECK_EVERY, this::check);
    }
}
