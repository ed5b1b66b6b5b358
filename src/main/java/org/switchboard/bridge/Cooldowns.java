package org.switchboard.bridge;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.switchboard.bridge.SipWatchers.Watch;

/**
 * After an XMPP user refuses or cancels a SIP user's subscription, that SIP user's re-SUBSCRIBEs to that XMPP
 * user are refused for a while, so a client that retries at once does not ask the XMPP user again and again.
 * Read on SIP threads, written by the bridge; entries go when they are asked about after their end.
 */
final class Cooldowns {

    private final Clock clock;
    private final Duration length;
    private final Map<Watch, Instant> until = new ConcurrentHashMap<>();

    Cooldowns(Clock clock, Duration length) {
        this.clock = clock;
        this.length = length;
    }

    /** Starts (or restarts) the cooldown of a watch; nothing when cooldowns are disabled (length zero). */
    void start(Watch watch) {
        if (!length.isZero()) {
            until.put(watch, clock.instant().plus(length));
        }
    }

    /** How long the watch is still refused; empty when it is not. */
    Optional<Duration> remaining(Watch watch) {
        Instant end = until.get(watch);
        if (end == null) {
            return Optional.empty();
        }
        Duration left = Duration.between(clock.instant(), end);
        if (left.isNegative() || left.isZero()) {
            until.remove(watch, end);
            return Optional.empty();
        }
        return Optional.of(left);
    }

    void clear(Watch watch) {
        until.remove(watch);
    }

    /** Forgets every cooldown that has ended (housekeeping; bounded memory). */
    int purgeEnded() {
        Instant now = clock.instant();
        int before = until.size();
        until.values().removeIf(end -> !end.isAfter(now));
        return before - until.size();
    }
}
