package org.switchboard.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/** Batched recovery and on-demand recovery, on a manual clock. */
class RecoveryTest {

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final FakeSubscriptionRepository db = new FakeSubscriptionRepository();
    private final PersistentSubscriptions store = new PersistentSubscriptions(Optional.of(db), scheduler, clock, 1, Duration.ZERO,
            Duration.ofSeconds(10));
    private final List<String> reestablished = Collections.synchronizedList(new ArrayList<>());
    private final List<String> markedActive = Collections.synchronizedList(new ArrayList<>());
    private final Map<Direction, RecoveryHandler> handlers = Map.of(
            Direction.OUTGOING_SIP, r -> {
                reestablished.add(r.id());
                return r;
            },
            Direction.INCOMING_SIP, r -> {
                markedActive.add(r.id());
                return r.withState(SubscriptionRecord.RecordState.ACTIVE);
            });

    private void persisted(int count) {
        for (int i = 0; i < count; i++) {
            db.upsert(PersistentSubscriptionsTest.record(i));
        }
    }

    @Test
    void records_are_recovered_in_batches_of_the_configured_size_at_the_configured_interval_until_none_remain() {
        persisted(250);
        Recovery recovery = new Recovery(db, store, handlers, 100, Duration.ofSeconds(2), scheduler, clock);
        recovery.start();
        scheduler.runDue();
        assertThat(reestablished.size() + markedActive.size()).isEqualTo(100);
        scheduler.advance(Duration.ofMillis(1999));
        assertThat(reestablished.size() + markedActive.size()).as("not before the interval").isEqualTo(100);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(reestablished.size() + markedActive.size()).isEqualTo(200);
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(reestablished.size() + markedActive.size()).isEqualTo(250);
        assertThat(recovery.progress()).isEqualTo(new RecoveryProgress(true, true, 250, 250, 3));
        assertThat(reestablished).as("each outgoing once").doesNotHaveDuplicates().hasSize(125);
        assertThat(markedActive).doesNotHaveDuplicates().hasSize(125);
        assertThat(db.rows().values()).allMatch(r -> r.lastRecoveredAt().isPresent());
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(reestablished.size() + markedActive.size()).as("nothing more after the end").isEqualTo(250);
    }

    @Test
    void recover_now_runs_the_remaining_batches_without_waiting_for_the_interval() {
        persisted(250);
        Recovery recovery = new Recovery(db, store, handlers, 100, Duration.ofMinutes(1), scheduler, clock);
        recovery.start();
        scheduler.runDue();
        assertThat(recovery.progress().recovered()).isEqualTo(100);
        recovery.recoverRestNow();
        scheduler.runDue();
        assertThat(recovery.progress()).isEqualTo(new RecoveryProgress(true, true, 250, 250, 3));
        assertThat(reestablished.size() + markedActive.size()).as("each once").isEqualTo(250);
    }

    @Test
    void a_run_again_after_the_records_were_forgotten_recovers_every_record_once_more_and_a_stopped_run_does_nothing_more() {
        persisted(30);
        Recovery recovery = new Recovery(db, store, handlers, 10, Duration.ofSeconds(1), scheduler, clock);
        recovery.start();
        scheduler.runDue();
        recovery.stop(); // the bridge moved to another member after the first batch
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(reestablished.size() + markedActive.size()).isEqualTo(10);
        store.forgetAll();
        clock.advance(Duration.ofSeconds(1));

        recovery.rerun(); // and came back
        scheduler.advance(Duration.ofSeconds(10));

        assertThat(recovery.progress()).isEqualTo(new RecoveryProgress(true, true, 30, 30, 4));
        assertThat(reestablished.size() + markedActive.size()).as("the first ten twice, the others once").isEqualTo(40);
        assertThat(store.all()).hasSize(30);
    }

    @Test
    void recover_now_before_the_start_starts_the_run() {
        persisted(20);
        Recovery recovery = new Recovery(db, store, handlers, 10, Duration.ofMinutes(1), scheduler, clock);
        recovery.recoverRestNow();
        scheduler.runDue();
        assertThat(recovery.progress().finished()).isTrue();
        assertThat(recovery.progress().recovered()).isEqualTo(20);
    }

    @Test
    void a_batch_size_changed_while_the_run_goes_on_applies_from_the_next_batch() {
        persisted(250);
        Recovery recovery = new Recovery(db, store, handlers, 100, Duration.ofSeconds(1), scheduler, clock);
        recovery.start();
        scheduler.runDue();
        recovery.setBatchSize(10);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(recovery.progress().recovered()).isEqualTo(110);
    }

    @Test
    void stalest_first() {
        persisted(3);
        Recovery recovery = new Recovery(db, store, handlers, 1, Duration.ofSeconds(1), scheduler, clock);
        db.upsert(PersistentSubscriptionsTest.record(0).recoveredAt(clock.instant().minusSeconds(60)));
        recovery.start();
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(reestablished.get(reestablished.size() - 1)).as("the one recovered a minute ago comes last").isEqualTo("id-0");
    }

    @Test
    void a_request_touching_a_record_not_yet_recovered_recovers_it_first_exactly_once_under_concurrency() throws Exception {
        persisted(10);
        Recovery recovery = new Recovery(db, store, handlers, 5, Duration.ofSeconds(1), scheduler, clock);
        recovery.start(); // nothing runs until the scheduler is driven
        SubscriptionRecord.SubscriptionKey key = PersistentSubscriptionsTest.record(8).key();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<Optional<SubscriptionRecord>>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return recovery.recoverNow(key);
            }));
        }
        go.countDown();
        for (var result : results) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isPresent();
        }
        pool.shutdown();
        assertThat(reestablished).containsExactly("id-8");
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(reestablished).as("the batches skip it").filteredOn("id-8"::equals).hasSize(1);
        assertThat(reestablished.size() + markedActive.size()).isEqualTo(10);
    }

    @Test
    void a_record_that_does_not_exist_is_not_invented() {
        Recovery recovery = new Recovery(db, store, handlers, 5, Duration.ofSeconds(1), scheduler, clock);
        recovery.start();
        assertThat(recovery.recoverNow(PersistentSubscriptionsTest.record(1).key())).isEmpty();
    }

    @Test
    void once_the_run_is_over_a_key_not_in_memory_is_not_looked_up_in_the_database() {
        persisted(3);
        Recovery recovery = new Recovery(db, store, handlers, 10, Duration.ofSeconds(1), scheduler, clock);
        recovery.start();
        scheduler.runDue();
        assertThat(recovery.progress().finished()).isTrue();
        db.goDown();
        int calls = db.calls.get();

        assertThat(recovery.recoverNow(PersistentSubscriptionsTest.record(7).key())).isEmpty();
        assertThat(recovery.recoverNow(PersistentSubscriptionsTest.record(1).key())).as("a recovered one, from memory").isPresent();
        assertThat(db.calls).as("database calls").hasValue(calls);
    }

    @Test
    void recovery_waits_for_a_database_that_is_away_and_goes_on_when_it_returns() {
        persisted(20);
        db.goDown();
        Recovery recovery = new Recovery(db, store, handlers, 10, Duration.ofSeconds(1), scheduler, clock);
        recovery.start();
        scheduler.advance(Duration.ofSeconds(3));
        assertThat(recovery.progress().recovered()).isZero();
        db.comeBack();
        scheduler.advance(Duration.ofSeconds(20));
        assertThat(recovery.progress().finished()).isTrue();
        assertThat(recovery.progress().recovered()).isEqualTo(20);
    }

    @Test
    void a_stopped_recovery_stops_trying_a_database_that_went_away_with_the_platform() {
        persisted(20);
        Recovery recovery = new Recovery(db, store, handlers, 10, Duration.ofSeconds(1), scheduler, clock);
        db.goDown();
        recovery.start();
        scheduler.runDue(); // the first batch fails and a retry waits
        recovery.stop();
        db.comeBack();
        scheduler.advance(Duration.ofSeconds(20));
        assertThat(recovery.progress().recovered()).as("nothing after the stop").isZero();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void records_created_after_the_run_started_are_live_and_never_handed_to_recovery() {
        persisted(5);
        Recovery recovery = new Recovery(db, store, handlers, 100, Duration.ofSeconds(1), scheduler, clock);
        recovery.start();
        SubscriptionRecord fresh = PersistentSubscriptionsTest.record(50);
        store.put(fresh); // new traffic, written before the first batch runs
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(reestablished).doesNotContain("id-50");
        assertThat(markedActive).doesNotContain("id-50");
        assertThat(recovery.progress()).isEqualTo(new RecoveryProgress(true, true, 5, 5, 1));
        assertThat(recovery.recoverNow(fresh.key())).isPresent();
        assertThat(reestablished).doesNotContain("id-50");
    }
}
