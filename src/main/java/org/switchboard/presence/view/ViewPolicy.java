package org.switchboard.presence.view;

import java.time.Duration;
import java.util.List;

/**
 * How views keep their subscriptions.
 *
 * @param expires              the Expires asked for in SUBSCRIBE
 * @param retryDelays          after a failed SUBSCRIBE or refresh: the delay before each new attempt
 *                             (a new dialog, new Call-ID); their count is the number of attempts
 * @param jitter               each delay is stretched or shrunk at random by up to this fraction (0–1)
 * @param reestablishInitial   a view that terminated without being asked to tries again after this…
 * @param reestablishMax       …doubling each time up to this
 * @param pollingInterval      polling mode: how often the one-shot fetch goes out
 */
public record ViewPolicy(Duration expires, List<Duration> retryDelays, double jitter, Duration reestablishInitial,
        Duration reestablishMax, Duration pollingInterval) {

    public ViewPolicy {
        retryDelays = List.copyOf(retryDelays);
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be from 0 to 1");
        }
    }

    public static ViewPolicy defaults() {
        return new ViewPolicy(Duration.ofHours(1), List.of(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30)),
                0.2, Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofMinutes(5));
    }

    /**
     * When to refresh a subscription granted for {@code granted}: half-way for short ones, a minute
     * before expiry for long ones, so a lost refresh still leaves time to re-establish.
     */
    public Duration refreshAfter(Duration granted) {
        Duration minuteBefore = granted.minusMinutes(1);
        Duration half = granted.dividedBy(2);
        return minuteBefore.compareTo(half) > 0 ? minuteBefore : half;
    }
}
