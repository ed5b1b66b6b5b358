package org.switchboard.presence;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * When the publisher published an update, to the microsecond: the PIDF {@code <timestamp>} or a
 * Microsoft category's {@code publishTime}, never the time it reached us. An update that carries none
 * has {@link #UNKNOWN}, which ranks below every known time.
 */
public record PublishTime(long epochMicros) implements Comparable<PublishTime> {

    /** No publish time in the update: older than any update that has one. */
    public static final PublishTime UNKNOWN = new PublishTime(Long.MIN_VALUE);

    /** @throws IllegalArgumentException beyond ±292,000 years of 1970 (microseconds no longer fit) */
    public static PublishTime of(Instant instant) {
        try {
            return new PublishTime(Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("publish time out of range: " + instant, e);
        }
    }

    /**
     * Parses an XML Schema dateTime. Without a zone (as Microsoft clients often write it) the time
     * is taken as UTC.
     *
     * @throws IllegalArgumentException when the text is not a dateTime
     */
    public static PublishTime parse(String text) {
        String value = text.trim();
        try {
            return of(OffsetDateTime.parse(value).toInstant());
        } catch (DateTimeParseException withoutZone) {
            try {
                return of(LocalDateTime.parse(value).toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not an XML dateTime: '" + value + "'", e);
            }
        }
    }

    public boolean isKnown() {
        return epochMicros != Long.MIN_VALUE;
    }

    public Optional<Instant> instant() {
        return isKnown() ? Optional.of(Instant.EPOCH.plus(epochMicros, ChronoUnit.MICROS)) : Optional.empty();
    }

    @Override
    public int compareTo(PublishTime other) {
        return Long.compare(epochMicros, other.epochMicros);
    }

    @Override
    public String toString() {
        return instant().map(Instant::toString).orElse("unknown");
    }
}
