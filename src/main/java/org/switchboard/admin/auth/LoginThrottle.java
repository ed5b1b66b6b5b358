package org.switchboard.admin.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address: after {@code maxFailures} failures within {@code window} of the first one, the
 * client is refused without its password being checked until that window ends, so the admin port can be used neither
 * to guess the password quickly nor to burn CPU on the password hash. A success clears the client's count. At most
 * {@code maxClients} addresses are tracked; beyond that (a flood from many addresses) the overflow shares one count,
 * so memory stays bounded and the flood is throttled as one client.
 */
public final class LoginThrottle {

    private static final String OVERFLOW = "*";

    private record Failures(Instant since, int count) {
    }

    private final Clock clock;
    private final int maxFailures;
    private final Duration window;
    private final int maxClients;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    public LoginThrottle(Clock clock, int maxFailures, Duration window, int maxClients) {
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.window = window;
        this.maxClients = maxClients;
    }

    /** Empty when {@code client} may try to log in; else how long until it may. */
    public Optional<Duration> refusedFor(String client) {
        Instant now = clock.instant();
        Failures seen = failures.get(key(client));
        if (seen == null || seen.count() < maxFailures) {
            return Optional.empty();
        }
        Duration left = Duration.between(now, seen.since().plus(window));
        return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
    }

    public void failed(String client) {
        Instant now = clock.instant();
        if (!failures.containsKey(client) && failures.size() >= maxClients) {
            failures.values().removeIf(f -> !now.isBefore(f.since().plus(window)));
        }
        failures.compute(key(client), (k, seen) -> seen == null || !now.isBefore(seen.since().plus(window))
                ? new Failures(now, 1) : new Failures(seen.since(), seen.count() + 1));
    }

    public void succeeded(String client) {
        failures.remove(client);
    }

    private String key(String client) {
        return failures.containsKey(client) || failures.size() < maxClients ? client : OVERFLOW;
    }
}
