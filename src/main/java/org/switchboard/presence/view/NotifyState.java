package org.switchboard.presence.view;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** What a NOTIFY's Subscription-State header says (RFC 6665 §8.2.3). */
public record NotifyState(String state, Optional<Duration> expires, Optional<String> reason, Optional<Duration> retryAfter) {

    public boolean terminated() {
        return "terminated".equalsIgnoreCase(state);
    }

    /**
     * Parses a Subscription-State value such as {@code active;expires=3600} or
     * {@code terminated;reason=probation;retry-after=20}.
     *
     * @throws IllegalArgumentException when the value is missing or a parameter is not a number
     */
    public static NotifyState parse(String header) {
        if (header == null || header.isBlank()) {
            throw new IllegalArgumentException("no Subscription-State");
        }
        String[] parts = header.split(";");
        String state = parts[0].trim().toLowerCase(Locale.ROOT);
        Optional<Duration> expires = Optional.empty();
        Optional<String> reason = Optional.empty();
        Optional<Duration> retryAfter = Optional.empty();
        for (int i = 1; i < parts.length; i++) {
            String[] pair = parts[i].split("=", 2);
            String name = pair[0].trim().toLowerCase(Locale.ROOT);
            String value = pair.length > 1 ? pair[1].trim() : "";
            switch (name) {
                case "expires" -> expires = Optional.of(seconds(value, header));
                case "retry-after" -> retryAfter = Optional.of(seconds(value, header));
                case "reason" -> reason = Optional.of(value.toLowerCase(Locale.ROOT));
                default -> { } // extension parameters are ignored
            }
        }
        return new NotifyState(state, expires, reason, retryAfter);
    }

    private static Duration seconds(String value, String header) {
        try {
            return Duration.ofSeconds(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number of seconds in Subscription-State: " + header, e);
        }
    }
}
