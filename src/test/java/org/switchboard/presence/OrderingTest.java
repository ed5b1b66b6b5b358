package org.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.presence.Ordering.ACCEPTED;
import static org.switchboard.presence.Ordering.DUPLICATE;
import static org.switchboard.presence.Ordering.OUT_OF_ORDER;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.Aor;

class OrderingTest {

    private static final PublishTime T1 = PublishTime.parse("2025-03-01T12:00:00Z");
    private static final PublishTime T2 = PublishTime.parse("2025-03-01T12:00:00.000001Z");

    private static PresenceStamp stamp(PublishTime time, long digest) {
        return new PresenceStamp(time, digest);
    }

    private static Ordering judge(PresenceStamp newest, PresenceStamp candidate) {
        return Ordering.judge(Optional.of(newest), candidate);
    }

    @Test
    void anything_fills_an_empty_slot() {
        assertThat(Ordering.judge(Optional.empty(), stamp(T1, 5))).isEqualTo(ACCEPTED);
        assertThat(Ordering.judge(Optional.empty(), stamp(PublishTime.UNKNOWN, Long.MIN_VALUE))).isEqualTo(ACCEPTED);
    }

    @Test
    void a_newer_publish_time_is_accepted_whatever_the_digests() {
        assertThat(judge(stamp(T1, Long.MAX_VALUE), stamp(T2, Long.MIN_VALUE))).isEqualTo(ACCEPTED);
        assertThat(judge(stamp(T1, 0), stamp(T2, 0))).isEqualTo(ACCEPTED);
    }

    @Test
    void an_older_publish_time_is_out_of_order_whatever_the_digests() {
        assertThat(judge(stamp(T2, Long.MIN_VALUE), stamp(T1, Long.MAX_VALUE))).isEqualTo(OUT_OF_ORDER);
        assertThat(judge(stamp(T2, 0), stamp(T1, 0))).isEqualTo(OUT_OF_ORDER);
    }

    @Test
    void on_equal_publish_times_the_larger_digest_wins() {
        assertThat(judge(stamp(T1, 10), stamp(T1, 11))).isEqualTo(ACCEPTED);
        assertThat(judge(stamp(T1, 11), stamp(T1, 10))).isEqualTo(OUT_OF_ORDER);
    }

    @Test
    void digests_compare_as_signed_numbers() {
        // The database compares BIGINT as signed; memory must agree with it.
        assertThat(judge(stamp(T1, -1), stamp(T1, 1))).isEqualTo(ACCEPTED);
        assertThat(judge(stamp(T1, 1), stamp(T1, -1))).isEqualTo(OUT_OF_ORDER);
        assertThat(judge(stamp(T1, Long.MIN_VALUE), stamp(T1, Long.MAX_VALUE))).isEqualTo(ACCEPTED);
    }

    @Test
    void the_same_stamp_is_a_duplicate() {
        assertThat(judge(stamp(T1, 42), stamp(T1, 42))).isEqualTo(DUPLICATE);
        assertThat(judge(stamp(PublishTime.UNKNOWN, 42), stamp(PublishTime.UNKNOWN, 42))).isEqualTo(DUPLICATE);
    }

    @Test
    void an_unknown_time_never_replaces_a_known_one() {
        PresenceStamp oldest = stamp(PublishTime.parse("1900-01-01T00:00:00Z"), Long.MIN_VALUE);
        assertThat(judge(oldest, stamp(PublishTime.UNKNOWN, Long.MAX_VALUE))).isEqualTo(OUT_OF_ORDER);
    }

    @Test
    void a_known_time_always_replaces_an_unknown_one() {
        PresenceStamp oldest = stamp(PublishTime.parse("1900-01-01T00:00:00Z"), Long.MIN_VALUE);
        assertThat(judge(stamp(PublishTime.UNKNOWN, Long.MAX_VALUE), oldest)).isEqualTo(ACCEPTED);
    }

    @Test
    void between_unknown_times_the_larger_digest_wins() {
        assertThat(judge(stamp(PublishTime.UNKNOWN, 1), stamp(PublishTime.UNKNOWN, 2))).isEqualTo(ACCEPTED);
        assertThat(judge(stamp(PublishTime.UNKNOWN, 2), stamp(PublishTime.UNKNOWN, 1))).isEqualTo(OUT_OF_ORDER);
    }

    @Test
    void the_digest_is_the_same_for_the_same_content_and_differs_for_other_content() {
        Aor alice = Aor.parse("sip:alice@example.com");
        PresenceUpdate a = PresenceUpdate.of(alice, "pidf", T1, "application/pidf+xml", "<a/>");
        PresenceUpdate again = PresenceUpdate.of(alice, "pidf", T1, "application/pidf+xml", "<a/>");
        PresenceUpdate otherDocument = PresenceUpdate.of(alice, "pidf", T1, "application/pidf+xml", "<b/>");
        PresenceUpdate otherType = PresenceUpdate.of(alice, "pidf", T1, "text/plain", "<a/>");
        assertThat(a.digest()).isEqualTo(again.digest());
        assertThat(a.stamp()).isEqualTo(again.stamp());
        assertThat(otherDocument.digest()).isNotEqualTo(a.digest());
        assertThat(otherType.digest()).isNotEqualTo(a.digest());
        assertThat(a.stamp()).isEqualTo(new PresenceStamp(T1, a.digest()));
        assertThat(a.key()).isEqualTo(new PresenceKey(alice, "pidf"));
    }

    @Test
    void every_arrival_order_ends_at_the_same_newest_stamp_and_only_moves_forward() {
        List<PresenceStamp> stamps = new ArrayList<>();
        for (int t = 0; t < 10; t++) {
            for (long d : new long[] {-7, 0, 3}) {
                stamps.add(stamp(new PublishTime(1_000_000L * t), d));
            }
        }
        stamps.add(stamp(PublishTime.UNKNOWN, 99));
        PresenceStamp max = Collections.max(stamps);
        Random random = new Random(20250301L);
        for (int round = 0; round < 50; round++) {
            List<PresenceStamp> arrival = new ArrayList<>(stamps);
            arrival.addAll(stamps.subList(0, 5)); // some delivered twice
            Collections.shuffle(arrival, random);
            Optional<PresenceStamp> newest = Optional.empty();
            for (PresenceStamp candidate : arrival) {
                Ordering outcome = Ordering.judge(newest, candidate);
                if (outcome == ACCEPTED) {
                    if (newest.isPresent()) {
                        assertThat(candidate).isGreaterThan(newest.get());
                    }
                    newest = Optional.of(candidate);
                } else if (outcome == DUPLICATE) {
                    assertThat(candidate).isEqualTo(newest.orElseThrow());
                } else {
                    assertThat(candidate).isLessThan(newest.orElseThrow());
                }
            }
            assertThat(newest).contains(max);
        }
    }
}
