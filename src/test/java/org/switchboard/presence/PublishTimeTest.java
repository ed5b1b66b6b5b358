package org.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishTimeTest {

    @Test
    void a_time_with_a_zone_is_that_instant_in_epoch_microseconds() {
        PublishTime time = PublishTime.parse("2025-03-01T12:00:00.123456Z");
        assertThat(time.epochMicros()).isEqualTo(Instant.parse("2025-03-01T12:00:00Z").getEpochSecond() * 1_000_000L + 123_456);
        assertThat(time.isKnown()).isTrue();
        assertThat(time.instant()).contains(Instant.parse("2025-03-01T12:00:00.123456Z"));
    }

    @Test
    void an_offset_is_applied() {
        assertThat(PublishTime.parse("2025-03-01T13:30:00+01:30"))
                .isEqualTo(PublishTime.of(Instant.parse("2025-03-01T12:00:00Z")));
        assertThat(PublishTime.parse("2025-03-01T07:00:00-05:00"))
                .isEqualTo(PublishTime.of(Instant.parse("2025-03-01T12:00:00Z")));
    }

    @Test
    void a_time_without_a_zone_is_read_as_utc() {
        assertThat(PublishTime.parse("2025-03-01T12:00:00")).isEqualTo(PublishTime.parse("2025-03-01T12:00:00Z"));
        assertThat(PublishTime.parse("2025-03-01T12:00:00.5")).isEqualTo(PublishTime.parse("2025-03-01T12:00:00.500Z"));
    }

    @Test
    void surrounding_whitespace_is_ignored() {
        assertThat(PublishTime.parse("  2025-03-01T12:00:00Z\n")).isEqualTo(PublishTime.parse("2025-03-01T12:00:00Z"));
    }

    @Test
    void precision_beyond_microseconds_is_cut_to_microseconds() {
        assertThat(PublishTime.parse("2025-03-01T12:00:00.1234567Z").epochMicros())
                .isEqualTo(PublishTime.parse("2025-03-01T12:00:00.123456Z").epochMicros());
    }

    @Test
    void microseconds_order_times_that_milliseconds_would_not() {
        PublishTime earlier = PublishTime.parse("2025-03-01T12:00:00.000001Z");
        PublishTime later = PublishTime.parse("2025-03-01T12:00:00.000002Z");
        assertThat(earlier).isLessThan(later);
        assertThat(later.epochMicros() - earlier.epochMicros()).isEqualTo(1);
    }

    @Test
    void text_that_is_not_a_date_time_is_refused_with_the_text_named() {
        for (String bad : List.of("", "yesterday", "2025-03-01", "2025-13-01T00:00:00Z", "12:00:00Z", "2025-03-01 12:00:00Z")) {
            assertThatThrownBy(() -> PublishTime.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad.trim() + "'");
        }
    }

    @Test
    void unknown_ranks_below_every_known_time() {
        List<PublishTime> known = List.of(
                PublishTime.parse("1970-01-01T00:00:00Z"),
                PublishTime.parse("1969-12-31T23:59:59.999999Z"),
                PublishTime.parse("1900-01-01T00:00:00Z"),
                PublishTime.parse("2025-03-01T12:00:00Z"),
                new PublishTime(Long.MIN_VALUE + 1));
        for (PublishTime time : known) {
            assertThat(PublishTime.UNKNOWN).as("unknown vs %s", time).isLessThan(time);
            assertThat(time.compareTo(PublishTime.UNKNOWN)).isPositive();
        }
    }

    @Test
    void unknown_is_not_known_has_no_instant_and_says_so() {
        assertThat(PublishTime.UNKNOWN.isKnown()).isFalse();
        assertThat(PublishTime.UNKNOWN.instant()).isEmpty();
        assertThat(PublishTime.UNKNOWN).hasToString("unknown");
        assertThat(PublishTime.UNKNOWN).isEqualTo(new PublishTime(Long.MIN_VALUE));
    }

    @Test
    void the_epoch_itself_is_a_known_time() {
        PublishTime epoch = PublishTime.of(Instant.EPOCH);
        assertThat(epoch.epochMicros()).isZero();
        assertThat(epoch.isKnown()).isTrue();
        assertThat(epoch).hasToString("1970-01-01T00:00:00Z");
    }

    @Test
    void times_before_1970_are_negative_and_still_ordered() {
        PublishTime before = PublishTime.parse("1969-12-31T23:59:59Z");
        assertThat(before.epochMicros()).isEqualTo(-1_000_000L);
        assertThat(before).isLessThan(PublishTime.of(Instant.EPOCH));
    }

    @Test
    void sorting_follows_the_timeline() {
        List<PublishTime> times = new ArrayList<>(List.of(
                PublishTime.parse("2025-03-01T12:00:01Z"),
                PublishTime.UNKNOWN,
                PublishTime.parse("2025-03-01T12:00:00+00:00"),
                PublishTime.parse("2025-03-01T11:00:00")));
        times.sort(null);
        assertThat(times).containsExactly(
                PublishTime.UNKNOWN,
                PublishTime.parse("2025-03-01T11:00:00Z"),
                PublishTime.parse("2025-03-01T12:00:00Z"),
                PublishTime.parse("2025-03-01T12:00:01Z"));
    }

    @Test
    void the_instant_round_trips() {
        Instant instant = Instant.parse("2031-07-15T08:09:10.654321Z");
        assertThat(PublishTime.of(instant).instant()).contains(instant);
    }

    /**
     * Epoch microseconds in a long reach about 292,000 years either side of 1970, so any four-digit year
     * is a known time. Microsoft clients write "0001-01-01T00:00:00" (.NET's DateTime.MinValue) and far
     * future placeholders; those are valid dateTimes and must parse to their instant.
     */
    @Test
    void dates_far_from_1970_are_known_times() {
        assertThat(PublishTime.parse("3000-01-01T00:00:00Z").instant()).contains(Instant.parse("3000-01-01T00:00:00Z"));
        assertThat(PublishTime.parse("9999-12-31T23:59:59Z").instant()).contains(Instant.parse("9999-12-31T23:59:59Z"));
        assertThat(PublishTime.parse("0001-01-01T00:00:00").instant()).contains(Instant.parse("0001-01-01T00:00:00Z"));
        assertThat(PublishTime.parse("1601-01-01T00:00:00Z")).isLessThan(PublishTime.parse("1970-01-01T00:00:00Z"));
    }
}
