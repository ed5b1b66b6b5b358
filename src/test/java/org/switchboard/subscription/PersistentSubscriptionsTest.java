package org.switchboard.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.Aor;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/** Memory authoritative, the database behind: outages, the breaker, and the write-back, on a manual clock. */
class PersistentSubscriptionsTest {

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final FakeSubscriptionRepository db = new FakeSubscriptionRepository();
    private final PersistentSubscriptions store = new PersistentSubscriptions(Optional.of(db), scheduler, clock, 3, Duration.ZERO,
            Duration.ofSeconds(10));

    static SubscriptionRecord record(int n) {
        return new SubscriptionRecord("id-" + n, n % 2 == 0 ? Direction.OUTGOING_SIP : Direction.INCOMING_SIP,
                Aor.parse("sip:user" + n + "@example.com"), "xmpp" + n + "@chat.example.com", SubscriptionRecord.RecordState.ACTIVE,
                Instant.parse("2026-11-21T08:00:00Z"), Optional.empty(), DialogData.none(), 1);
    }

    private Map<String, SubscriptionRecord> memory() {
        Map<String, SubscriptionRecord> m = new TreeMap<>();
        store.all().forEach(r -> m.put(r.id(), r));
        return m;
    }

    @Test
    void changes_reach_the_database_behind_memory() {
        store.put(record(1));
        store.put(record(2));
        assertThat(store.get("id-1")).isPresent();
        scheduler.runDue();
        assertThat(db.rows()).isEqualTo(memory());
        store.remove("id-1");
        scheduler.runDue();
        assertThat(db.rows()).containsOnlyKeys("id-2");
    }

    @Test
    void during_an_outage_operations_go_on_the_breaker_opens_and_on_return_the_rows_equal_memory() {
        for (int i = 0; i < 10; i++) {
            store.put(record(i));
        }
        scheduler.runDue();
        db.goDown();
        store.put(record(10));
        store.remove("id-3");
        store.put(record(4).withState(SubscriptionRecord.RecordState.PENDING));
        scheduler.runDue();
        for (int i = 0; i < 5 && !store.status().breaker().equals("OPEN"); i++) {
            scheduler.advance(Duration.ofSeconds(1));
        }
        assertThat(store.status().breaker()).isEqualTo("OPEN");
        assertThat(store.status().retries()).isPositive();
        assertThat(store.get("id-10")).as("memory goes on").isPresent();
        assertThat(store.get("id-3")).isEmpty();
        store.remove("id-5");
        int callsWhileOpen = db.calls.get();
        scheduler.advance(Duration.ofSeconds(9));
        assertThat(db.calls.get()).as("an open breaker spares the database").isEqualTo(callsWhileOpen);

        db.comeBack();
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(db.rows()).as("row by row equal to memory, deletions included").isEqualTo(memory());
        assertThat(db.rows()).doesNotContainKeys("id-3", "id-5");
        assertThat(store.status().breaker()).isEqualTo("CLOSED");
        assertThat(store.status().resyncs()).isEqualTo(1);
        assertThat(store.status().pendingWrites()).isZero();
        assertThat(store.status().transitions()).isGreaterThanOrEqualTo(3); // CLOSED→OPEN→HALF_OPEN→CLOSED
    }

    @Test
    void an_error_of_the_jvm_is_not_taken_for_an_outage_and_goes_through() {
        store.put(record(1));
        OutOfMemoryError oom = new OutOfMemoryError("test: heap exhausted");
        db.throwError(oom);
        org.assertj.core.api.Assertions.assertThatThrownBy(scheduler::runDue).isSameAs(oom);
        assertThat(store.status().breaker()).as("no outage recorded").isEqualTo("CLOSED");
        assertThat(store.get("id-1")).as("memory keeps the record").isPresent();
    }

    @Test
    void an_older_version_never_replaces_a_newer_row() {
        SubscriptionRecord v1 = record(1);
        SubscriptionRecord v2 = v1.withState(SubscriptionRecord.RecordState.PENDING);
        store.put(v2);
        scheduler.runDue();
        db.upsert(v1);
        assertThat(db.rows().get("id-1")).isEqualTo(v2);
    }

    @Test
    void a_record_deleted_while_the_database_was_away_never_comes_back() {
        store.put(record(1));
        scheduler.runDue();
        db.goDown();
        store.remove("id-1");
        scheduler.advance(Duration.ofSeconds(5));
        db.comeBack();
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(db.rows()).isEmpty();
        assertThat(memory()).isEmpty();
    }

    @Test
    void without_persistence_everything_lives_in_memory() {
        PersistentSubscriptions memoryOnly = new PersistentSubscriptions(Optional.empty(), scheduler, clock, 3, Duration.ZERO, Duration.ofSeconds(10));
        memoryOnly.put(record(1));
        scheduler.runDue();
        assertThat(memoryOnly.get("id-1")).isPresent();
        assertThat(memoryOnly.status().persistent()).isFalse();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void records_are_found_by_who_subscribes_to_whom() {
        SubscriptionRecord r = record(7);
        store.put(r);
        assertThat(store.find(r.key())).contains(r);
        store.remove(r.id());
        assertThat(store.find(r.key())).isEmpty();
    }
}
