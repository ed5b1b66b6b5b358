package org.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.switchboard.presence.Ordering.ACCEPTED;
import static org.switchboard.presence.Ordering.DUPLICATE;
import static org.switchboard.presence.Ordering.OUT_OF_ORDER;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.switchboard.endpoint.Aor;
import org.switchboard.testing.MutableClock;

@Timeout(120)
class OrderedPresenceStoreTest {

    private static final Aor ALICE = Aor.parse("sip:alice@example.com");
    private static final Aor BOB = Aor.parse("sip:bob@example.com");
    private static final long BASE = PublishTime.parse("2025-03-01T12:00:00Z").epochMicros();

    private final FakeRepository repository = new FakeRepository();
    private final OrderedPresenceStore store = new OrderedPresenceStore(repository, new PresenceDocuments(65_536), "pool-a");
    private final List<PresenceUpdate> delivered = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService threads = Executors.newFixedThreadPool(8);

    OrderedPresenceStoreTest() {
        store.addListener(delivered::add);
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** An update of {@code presentity}'s "state" category published {@code second} seconds after BASE. */
    private static PresenceUpdate at(Aor presentity, long second) {
        return update(presentity, "state", new PublishTime(BASE + second * 1_000_000L), "v" + second);
    }

    private static PresenceUpdate update(Aor presentity, String category, PublishTime time, String text) {
        return PresenceUpdate.of(presentity, category, time, PresenceDocuments.PIDF,
                "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><note>" + text + "</note></presence>");
    }

    @Test
    void updates_in_order_are_all_accepted_stored_and_delivered_in_order() {
        PresenceUpdate first = at(ALICE, 1);
        PresenceUpdate second = at(ALICE, 2);
        PresenceUpdate third = at(ALICE, 3);

        assertThat(List.of(store.offer(first), store.offer(second), store.offer(third))).containsOnly(ACCEPTED);

        assertThat(delivered).containsExactly(first, second, third);
        assertThat(store.current(third.key())).contains(third);
        assertThat(store.current(ALICE)).containsExactly(third);
        assertThat(repository.stored(third.key())).contains(third);
        assertThat(repository.pool(third.key())).isEqualTo("pool-a");
        assertThat(store.counts()).isEqualTo(new PresenceCounts(3, 0, 0, 0, 0, 0));
    }

    @Test
    void older_and_repeated_updates_are_dropped_counted_and_never_reach_the_store_or_listeners() {
        store.offer(at(ALICE, 1));
        store.offer(at(ALICE, 5));
        int writes = repository.writes.get();

        assertThat(store.offer(at(ALICE, 3))).isEqualTo(OUT_OF_ORDER);
        assertThat(store.offer(at(ALICE, 5))).isEqualTo(DUPLICATE);
        assertThat(store.offer(at(ALICE, 1))).isEqualTo(OUT_OF_ORDER);

        assertThat(delivered).containsExactly(at(ALICE, 1), at(ALICE, 5));
        assertThat(store.current(at(ALICE, 0).key())).contains(at(ALICE, 5));
        assertThat(repository.writes).hasValue(writes);
        assertThat(store.counts()).isEqualTo(new PresenceCounts(2, 2, 1, 0, 0, 0));
    }

    @Test
    void on_equal_publish_times_the_larger_digest_is_kept() {
        PublishTime same = new PublishTime(BASE);
        PresenceUpdate a = update(ALICE, "state", same, "a");
        PresenceUpdate b = update(ALICE, "state", same, "b");
        PresenceUpdate larger = a.digest() > b.digest() ? a : b;
        PresenceUpdate smaller = larger == a ? b : a;

        assertThat(store.offer(larger)).isEqualTo(ACCEPTED);
        assertThat(store.offer(smaller)).isEqualTo(OUT_OF_ORDER);
        assertThat(store.current(larger.key())).contains(larger);
        assertThat(repository.stored(larger.key())).contains(larger);
    }

    @Test
    void keys_are_independent() {
        PresenceUpdate aliceLate = at(ALICE, 10);
        PresenceUpdate bobEarly = at(BOB, 1);
        PresenceUpdate aliceNote = update(ALICE, "note", new PublishTime(BASE), "n");

        assertThat(store.offer(aliceLate)).isEqualTo(ACCEPTED);
        assertThat(store.offer(bobEarly)).isEqualTo(ACCEPTED);
        assertThat(store.offer(aliceNote)).isEqualTo(ACCEPTED);

        assertThat(store.current(ALICE)).containsExactlyInAnyOrder(aliceLate, aliceNote);
        assertThat(store.current(BOB)).containsExactly(bobEarly);
        assertThat(store.current(Aor.parse("sip:carol@example.com"))).isEmpty();
    }

    @Test
    void an_untimed_update_fills_an_empty_slot_but_never_replaces_a_timed_one() {
        PresenceUpdate untimed = update(ALICE, "state", PublishTime.UNKNOWN, "no time");
        PresenceUpdate timed = at(ALICE, 0);

        assertThat(store.offer(untimed)).isEqualTo(ACCEPTED);
        assertThat(store.offer(timed)).isEqualTo(ACCEPTED);
        assertThat(store.offer(update(ALICE, "state", PublishTime.UNKNOWN, "later, still no time"))).isEqualTo(OUT_OF_ORDER);

        assertThat(delivered).containsExactly(untimed, timed);
        assertThat(store.counts().untimed()).isEqualTo(2);
        assertThat(store.counts().accepted()).isEqualTo(2);
        assertThat(store.counts().outOfOrder()).isEqualTo(1);
    }

    @Test
    void when_another_pool_stored_a_newer_update_it_is_adopted_and_delivered_and_the_offered_one_dropped() {
        store.offer(at(ALICE, 1));
        PresenceUpdate otherPools = at(ALICE, 5);
        repository.storeAsAnotherPool(otherPools, "pool-b");

        assertThat(store.offer(at(ALICE, 3))).isEqualTo(OUT_OF_ORDER);

        assertThat(delivered).containsExactly(at(ALICE, 1), otherPools);
        assertThat(store.current(otherPools.key())).contains(otherPools);
        assertThat(repository.stored(otherPools.key())).contains(otherPools);
        assertThat(repository.pool(otherPools.key())).isEqualTo("pool-b");
        assertThat(store.counts().accepted()).isEqualTo(1);
        assertThat(store.counts().outOfOrder()).isEqualTo(1);

        // Memory now knows the adopted update: anything older is dropped without asking the store.
        int writes = repository.writes.get();
        assertThat(store.offer(at(ALICE, 4))).isEqualTo(OUT_OF_ORDER);
        assertThat(store.offer(otherPools)).isEqualTo(DUPLICATE);
        assertThat(repository.writes).hasValue(writes);
        // Something newer than the other pool's moves on as usual.
        assertThat(store.offer(at(ALICE, 6))).isEqualTo(ACCEPTED);
        assertThat(delivered).containsExactly(at(ALICE, 1), otherPools, at(ALICE, 6));
        assertThat(repository.pool(otherPools.key())).isEqualTo("pool-a");
    }

    @Test
    void when_another_pool_stored_a_newer_update_for_a_key_new_here_it_is_adopted() {
        PresenceUpdate otherPools = at(BOB, 9);
        repository.storeAsAnotherPool(otherPools, "pool-b");

        assertThat(store.offer(at(BOB, 2))).isEqualTo(OUT_OF_ORDER);

        assertThat(delivered).containsExactly(otherPools);
        assertThat(store.current(BOB)).containsExactly(otherPools);
    }

    @Test
    void the_same_update_already_stored_by_another_pool_is_delivered_here_once() {
        PresenceUpdate same = at(ALICE, 7);
        repository.storeAsAnotherPool(same, "pool-b");

        assertThat(store.offer(same)).isEqualTo(ACCEPTED);
        assertThat(store.offer(same)).isEqualTo(DUPLICATE);

        assertThat(delivered).containsExactly(same);
        assertThat(store.current(same.key())).contains(same);
        assertThat(repository.pool(same.key())).isEqualTo("pool-b");
    }

    @Test
    void when_the_store_fails_memory_stays_authoritative() {
        store.offer(at(ALICE, 1));
        repository.failing = true;

        assertThat(store.offer(at(ALICE, 2))).isEqualTo(ACCEPTED);
        assertThat(store.offer(at(ALICE, 1))).isEqualTo(OUT_OF_ORDER);

        assertThat(delivered).containsExactly(at(ALICE, 1), at(ALICE, 2));
        assertThat(store.current(at(ALICE, 2).key())).contains(at(ALICE, 2));
        assertThat(repository.stored(at(ALICE, 2).key())).contains(at(ALICE, 1));
        assertThat(store.counts()).isEqualTo(new PresenceCounts(2, 1, 0, 0, 0, 1));

        // Back again: the next update is written through.
        repository.failing = false;
        assertThat(store.offer(at(ALICE, 3))).isEqualTo(ACCEPTED);
        assertThat(repository.stored(at(ALICE, 3).key())).contains(at(ALICE, 3));
        assertThat(store.counts().storeFailures()).isEqualTo(1);
    }

    @Test
    void after_a_failure_the_store_is_left_alone_for_the_pause_and_updates_are_accepted_in_memory() {
        MutableClock clock = new MutableClock();
        List<Runnable> probes = new ArrayList<>();
        OrderedPresenceStore paused = new OrderedPresenceStore(repository, new PresenceDocuments(65_536), "pool-a", clock,
                Duration.ofSeconds(10), probes::add);
        repository.failing = true;

        assertThat(paused.offer(at(ALICE, 1))).isEqualTo(ACCEPTED);
        assertThat(repository.writes).as("the failed write").hasValue(1);
        clock.advance(Duration.ofSeconds(9));
        assertThat(List.of(paused.offer(at(ALICE, 2)), paused.offer(at(BOB, 3)), paused.offer(at(ALICE, 4)))).containsOnly(ACCEPTED);

        assertThat(repository.writes).as("writes tried during the pause").hasValue(1);
        assertThat(probes).as("probes during the pause").isEmpty();
        assertThat(paused.current(at(ALICE, 4).key())).contains(at(ALICE, 4));
        assertThat(paused.counts().storeFailures()).isEqualTo(4);
    }

    @Test
    void once_the_pause_is_over_a_probe_off_the_offering_thread_finds_the_store_again() {
        MutableClock clock = new MutableClock();
        List<Runnable> probes = new ArrayList<>();
        OrderedPresenceStore paused = new OrderedPresenceStore(repository, new PresenceDocuments(65_536), "pool-a", clock,
                Duration.ofSeconds(10), probes::add);
        repository.failing = true;
        paused.offer(at(ALICE, 1));
        clock.advance(Duration.ofSeconds(10));

        // Still away: the probe fails, and the store is left alone for another pause.
        paused.offer(at(ALICE, 2));
        paused.offer(at(ALICE, 3));
        assertThat(probes).as("one probe at a time").hasSize(1);
        probes.remove(0).run();
        clock.advance(Duration.ofSeconds(5));
        paused.offer(at(ALICE, 4));
        assertThat(probes).as("no probe before the next pause is over").isEmpty();

        // Back: the next probe answers, and the update after it is written through.
        repository.failing = false;
        clock.advance(Duration.ofSeconds(5));
        assertThat(paused.offer(at(ALICE, 5))).isEqualTo(ACCEPTED);
        assertThat(repository.stored(at(ALICE, 5).key())).as("not written while left alone").isEmpty();
        probes.remove(0).run();
        assertThat(repository.stored(at(ALICE, 5).key())).as("written back once the probe answered").contains(at(ALICE, 5));
        assertThat(paused.offer(at(ALICE, 6))).isEqualTo(ACCEPTED);
        assertThat(repository.stored(at(ALICE, 6).key())).contains(at(ALICE, 6));
        assertThat(repository.writes).as("the first failed write, the write-back of 5 and the write of 6").hasValue(3);
        assertThat(paused.counts().storeFailures()).isEqualTo(5);
    }

    @Test
    void what_is_held_back_is_written_back_after_the_pause_even_when_no_update_comes_after_the_outage() {
        MutableClock clock = new MutableClock();
        List<Runnable> probes = new ArrayList<>();
        OrderedPresenceStore paused = new OrderedPresenceStore(repository, new PresenceDocuments(65_536), "pool-a", clock,
                Duration.ofSeconds(10), probes::add);
        repository.failing = true;
        paused.offer(at(ALICE, 1));
        paused.offer(at(BOB, 2));
        repository.failing = false; // the outage ends with the traffic: nothing is offered any more

        clock.advance(Duration.ofSeconds(9));
        paused.retryHeldBack();
        assertThat(probes).as("no probe before the pause is over").isEmpty();

        clock.advance(Duration.ofSeconds(1));
        paused.retryHeldBack();
        assertThat(probes).hasSize(1);
        probes.remove(0).run();
        assertThat(repository.stored(at(ALICE, 1).key())).contains(at(ALICE, 1));
        assertThat(repository.stored(at(BOB, 2).key())).contains(at(BOB, 2));
        assertThat(paused.heldBackCount()).isZero();

        paused.retryHeldBack();
        assertThat(probes).as("nothing held back, nothing to ask").isEmpty();
    }

    @Test
    void what_was_accepted_during_an_outage_is_written_back_and_a_newer_row_of_another_pool_is_adopted_not_overwritten() {
        MutableClock clock = new MutableClock();
        List<Runnable> probes = new ArrayList<>();
        OrderedPresenceStore paused = new OrderedPresenceStore(repository, new PresenceDocuments(65_536), "pool-a", clock,
                Duration.ofSeconds(10), probes::add);
        List<PresenceUpdate> heard = Collections.synchronizedList(new ArrayList<>());
        paused.addListener(heard::add);
        repository.failing = true;
        paused.offer(at(ALICE, 2));
        paused.offer(at(BOB, 3));
        assertThat(paused.heldBackCount()).isEqualTo(2);
        assertThat(paused.breakerState()).isEqualTo("OPEN");

        // While this pool could not reach it, another pool stored a newer update of alice.
        repository.failing = false;
        repository.storeAsAnotherPool(at(ALICE, 9), "pool-b");
        clock.advance(Duration.ofSeconds(10));
        paused.offer(at(BOB, 1)); // older than what is held back: dropped in memory, and it starts the probe
        assertThat(probes).hasSize(1);
        probes.remove(0).run();

        assertThat(repository.stored(at(BOB, 3).key())).as("bob's update accepted during the outage").contains(at(BOB, 3));
        assertThat(repository.pool(at(BOB, 3).key())).isEqualTo("pool-a");
        assertThat(repository.stored(at(ALICE, 9).key())).as("never moved backwards").contains(at(ALICE, 9));
        assertThat(repository.pool(at(ALICE, 9).key())).isEqualTo("pool-b");
        assertThat(paused.current(at(ALICE, 9).key())).as("the newer row is adopted").contains(at(ALICE, 9));
        assertThat(heard).containsExactly(at(ALICE, 2), at(BOB, 3), at(ALICE, 9));
        assertThat(paused.heldBackCount()).isZero();
        assertThat(paused.writtenBackCount()).isEqualTo(1);
        assertThat(paused.breakerState()).isEqualTo("CLOSED");
    }

    @Test
    void when_the_store_refuses_and_then_cannot_be_read_the_update_is_dropped_and_the_failure_counted() {
        store.offer(at(ALICE, 1));
        repository.storeAsAnotherPool(at(ALICE, 5), "pool-b");
        repository.failingLoads = true;

        assertThat(store.offer(at(ALICE, 3))).isEqualTo(OUT_OF_ORDER);

        assertThat(delivered).containsExactly(at(ALICE, 1));
        assertThat(store.current(at(ALICE, 1).key())).contains(at(ALICE, 1));
        assertThat(store.counts().storeFailures()).isEqualTo(1);
        assertThat(store.counts().outOfOrder()).isEqualTo(1);
    }

    @Test
    void a_body_is_parsed_and_each_of_its_updates_offered() {
        String body = """
                <categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories">
                  <category name="state" instance="0" container="2" publishTime="2025-03-01T12:00:00Z"/>
                  <category name="note" instance="0" container="400" publishTime="2025-03-01T12:00:00Z"/>
                </categories>
                """;
        String older = """
                <categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories">
                  <category name="state" instance="0" container="2" publishTime="2025-03-01T11:00:00Z"/>
                  <category name="note" instance="0" container="400" publishTime="2025-03-01T13:00:00Z"/>
                </categories>
                """;

        assertThat(store.offer(ALICE, PresenceDocuments.MS_CATEGORIES, body)).containsExactly(ACCEPTED, ACCEPTED);
        assertThat(store.offer(ALICE, PresenceDocuments.MS_CATEGORIES, body)).containsExactly(DUPLICATE, DUPLICATE);
        assertThat(store.offer(ALICE, PresenceDocuments.MS_CATEGORIES, older)).containsExactly(OUT_OF_ORDER, ACCEPTED);

        assertThat(store.current(ALICE)).extracting(PresenceUpdate::category).containsExactlyInAnyOrder("state/0@2", "note/0@400");
        assertThat(store.current(new PresenceKey(ALICE, "note/0@400")).orElseThrow().publishTime())
                .isEqualTo(PublishTime.parse("2025-03-01T13:00:00Z"));
        assertThat(store.counts()).isEqualTo(new PresenceCounts(3, 1, 2, 0, 0, 0));
    }

    @Test
    void a_refused_body_is_counted_and_nothing_of_it_stored() {
        assertThatThrownBy(() -> store.offer(ALICE, "text/plain", "hello")).isInstanceOf(PresenceDocumentException.class);
        assertThatThrownBy(() -> store.offer(ALICE, PresenceDocuments.PIDF, "<presence")).isInstanceOf(PresenceDocumentException.class);

        assertThat(store.counts().refused()).isEqualTo(2);
        assertThat(store.current(ALICE)).isEmpty();
        assertThat(delivered).isEmpty();
        assertThat(repository.writes).hasValue(0);
    }

    @Test
    void a_failing_listener_keeps_the_update_from_no_other_listener() {
        List<PresenceUpdate> second = new ArrayList<>();
        store.addListener(update -> {
            throw new IllegalStateException("listener bug");
        });
        store.addListener(second::add);

        assertThat(store.offer(at(ALICE, 1))).isEqualTo(ACCEPTED);
        assertThat(delivered).containsExactly(at(ALICE, 1));
        assertThat(second).containsExactly(at(ALICE, 1));
        assertThat(store.current(at(ALICE, 1).key())).contains(at(ALICE, 1));
    }

    @Test
    void a_removed_listener_hears_nothing_more() {
        List<PresenceUpdate> removed = new ArrayList<>();
        PresenceListener listener = removed::add;
        store.addListener(listener);
        store.offer(at(ALICE, 1));
        store.removeListener(listener);
        store.offer(at(ALICE, 2));

        assertThat(removed).containsExactly(at(ALICE, 1));
        assertThat(delivered).containsExactly(at(ALICE, 1), at(ALICE, 2));
    }

    // ---------------------------------------------------------------- concurrency

    private static final int PRESENTITIES = 50;
    private static final int TIMES = 40;
    private static final int THREADS = 8;

    /** 50 presentities x 40 publish times, one category: 2,000 different updates. */
    private static List<PresenceUpdate> allUpdates() {
        List<PresenceUpdate> updates = new ArrayList<>();
        for (int p = 0; p < PRESENTITIES; p++) {
            Aor presentity = Aor.parse("sip:user" + p + "@example.com");
            for (int t = 0; t < TIMES; t++) {
                updates.add(update(presentity, "state", new PublishTime(BASE + t * 1_000L), "p" + p + "t" + t));
            }
        }
        return updates;
    }

    private static Map<PresenceKey, PresenceUpdate> newestPerKey(List<PresenceUpdate> updates) {
        Map<PresenceKey, PresenceUpdate> max = new HashMap<>();
        for (PresenceUpdate u : updates) {
            max.merge(u.key(), u, (a, b) -> a.stamp().compareTo(b.stamp()) >= 0 ? a : b);
        }
        return max;
    }

    /** Records every delivery per key, and any call that overlaps another call for the same key. */
    private static final class RecordingListener implements PresenceListener {
        final Map<PresenceKey, List<PresenceUpdate>> seen = new ConcurrentHashMap<>();
        final Map<PresenceKey, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        final Queue<String> overlaps = new ConcurrentLinkedQueue<>();

        @Override
        public void onPresence(PresenceUpdate update) {
            AtomicInteger busy = inFlight.computeIfAbsent(update.key(), k -> new AtomicInteger());
            if (busy.incrementAndGet() != 1) {
                overlaps.add(update.toString());
            }
            seen.computeIfAbsent(update.key(), k -> Collections.synchronizedList(new ArrayList<>())).add(update);
            busy.decrementAndGet();
        }

        void assertStrictlyIncreasingEndingAt(Map<PresenceKey, PresenceUpdate> newest) {
            assertThat(overlaps).as("calls for one key that overlapped").isEmpty();
            assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(newest.keySet());
            seen.forEach((key, list) -> {
                List<PresenceUpdate> copy;
                synchronized (list) {
                    copy = new ArrayList<>(list);
                }
                for (int i = 1; i < copy.size(); i++) {
                    assertThat(copy.get(i).stamp()).as("%s delivery %d after %s", key, i, copy.get(i - 1))
                            .isGreaterThan(copy.get(i - 1).stamp());
                }
                assertThat(copy.get(copy.size() - 1)).as("last delivery of %s", key).isEqualTo(newest.get(key));
            });
        }

        int total() {
            return seen.values().stream().mapToInt(List::size).sum();
        }
    }

    private List<Future<?>> offerFromThreads(List<PresenceUpdate> updates, List<OrderedPresenceStore> stores, CountDownLatch start) {
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<PresenceUpdate> order = new ArrayList<>(updates);
            Collections.shuffle(order, new Random(1_000L + t));
            OrderedPresenceStore target = stores.get(t % stores.size());
            work.add(threads.submit(() -> {
                start.await();
                for (PresenceUpdate update : order) {
                    target.offer(update);
                }
                return null;
            }));
        }
        return work;
    }

    @Test
    void eight_threads_offering_the_same_updates_in_different_orders_end_at_the_newest_and_listeners_only_see_progress()
            throws Exception {
        List<PresenceUpdate> updates = allUpdates();
        assertThat(updates).hasSize(2_000);
        Map<PresenceKey, PresenceUpdate> newest = newestPerKey(updates);
        RecordingListener listener = new RecordingListener();
        store.addListener(listener);
        CountDownLatch start = new CountDownLatch(1);

        List<Future<?>> work = offerFromThreads(updates, List.of(store), start);
        start.countDown();
        for (Future<?> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }

        newest.forEach((key, max) -> {
            assertThat(store.current(key)).as("%s in memory", key).contains(max);
            assertThat(repository.stored(key)).as("%s in the store", key).contains(max);
        });
        listener.assertStrictlyIncreasingEndingAt(newest);
        PresenceCounts counts = store.counts();
        assertThat(counts.accepted() + counts.outOfOrder() + counts.duplicates()).isEqualTo((long) THREADS * updates.size());
        assertThat(counts.accepted()).isEqualTo(listener.total());
        assertThat(counts.storeFailures()).isZero();
    }

    @Test
    void two_pools_sharing_one_store_end_at_the_newest_and_each_pools_listeners_only_see_progress() throws Exception {
        OrderedPresenceStore poolB = new OrderedPresenceStore(repository, new PresenceDocuments(65_536), "pool-b");
        List<PresenceUpdate> updates = allUpdates();
        Map<PresenceKey, PresenceUpdate> newest = newestPerKey(updates);
        RecordingListener listenerA = new RecordingListener();
        RecordingListener listenerB = new RecordingListener();
        store.addListener(listenerA);
        poolB.addListener(listenerB);
        CountDownLatch start = new CountDownLatch(1);

        List<Future<?>> work = offerFromThreads(updates, List.of(store, poolB), start);
        start.countDown();
        for (Future<?> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }

        newest.forEach((key, max) -> {
            assertThat(store.current(key)).as("%s in pool A", key).contains(max);
            assertThat(poolB.current(key)).as("%s in pool B", key).contains(max);
            assertThat(repository.stored(key)).as("%s in the store", key).contains(max);
        });
        listenerA.assertStrictlyIncreasingEndingAt(newest);
        listenerB.assertStrictlyIncreasingEndingAt(newest);
    }

    // ---------------------------------------------------------------- the fake shared store

    /** The shared store in memory: one lock, the same rule as the database's conditional write. */
    // ---- Forgetting presentities no longer in use -----------------------------------------------------------

    private static final Duration IDLE = Duration.ofMinutes(10);

    private OrderedPresenceStore forgetting(MutableClock clock, List<Runnable> probes) {
        OrderedPresenceStore forgetting = new OrderedPresenceStore(repository, new PresenceDocuments(65_536), "pool-a", clock,
                Duration.ofSeconds(10), probes::add, IDLE);
        forgetting.addListener(delivered::add);
        return forgetting;
    }

    @Test
    void presentities_offered_nothing_for_the_idle_time_are_forgotten() {
        MutableClock clock = new MutableClock();
        OrderedPresenceStore forgetting = forgetting(clock, new ArrayList<>());
        for (int i = 0; i < 10_000; i++) {
            forgetting.offer(at(Aor.parse("sip:user" + i + "@example.com"), 1));
        }
        assertThat(forgetting.rememberedPresentities()).isEqualTo(10_000);

        clock.advance(IDLE.minusSeconds(1));
        assertThat(forgetting.forgetIdle()).as("not idle for long enough yet").isZero();
        clock.advance(Duration.ofSeconds(1));

        assertThat(forgetting.forgetIdle()).isEqualTo(10_000);
        assertThat(forgetting.rememberedPresentities()).isZero();
        assertThat(forgetting.current(Aor.parse("sip:user7@example.com"))).isEmpty();
        assertThat(forgetting.current(at(Aor.parse("sip:user7@example.com"), 1).key())).isEmpty();
    }

    @Test
    void a_presentity_offered_an_update_within_the_idle_time_is_kept_even_when_the_update_is_dropped() {
        MutableClock clock = new MutableClock();
        OrderedPresenceStore forgetting = forgetting(clock, new ArrayList<>());
        forgetting.offer(at(ALICE, 5));
        forgetting.offer(at(BOB, 5));
        clock.advance(IDLE.minusMinutes(1));

        assertThat(forgetting.offer(at(ALICE, 5))).isEqualTo(DUPLICATE);
        clock.advance(Duration.ofMinutes(1));

        assertThat(forgetting.forgetIdle()).isEqualTo(1);
        assertThat(forgetting.current(ALICE)).containsExactly(at(ALICE, 5));
        assertThat(forgetting.current(BOB)).isEmpty();
    }

    @Test
    void a_forgotten_presentity_offered_an_older_update_is_still_refused_because_the_store_answers_for_it() {
        MutableClock clock = new MutableClock();
        OrderedPresenceStore forgetting = forgetting(clock, new ArrayList<>());
        forgetting.offer(at(ALICE, 5));
        clock.advance(IDLE);
        assertThat(forgetting.forgetIdle()).isEqualTo(1);

        assertThat(forgetting.offer(at(ALICE, 3))).isEqualTo(OUT_OF_ORDER);
        assertThat(forgetting.offer(at(ALICE, 5))).as("what the store holds, adopted again").isEqualTo(DUPLICATE);
        assertThat(forgetting.offer(at(ALICE, 6))).isEqualTo(ACCEPTED);

        assertThat(delivered).as("listeners never see an older update after a newer one").doesNotContain(at(ALICE, 3));
        assertThat(delivered.get(delivered.size() - 1)).isEqualTo(at(ALICE, 6));
        assertThat(repository.stored(at(ALICE, 6).key())).contains(at(ALICE, 6));
    }

    @Test
    void nothing_is_forgotten_while_an_update_is_held_back_for_the_store() {
        MutableClock clock = new MutableClock();
        List<Runnable> probes = new ArrayList<>();
        OrderedPresenceStore forgetting = forgetting(clock, probes);
        forgetting.offer(at(BOB, 1));
        repository.failing = true;
        forgetting.offer(at(ALICE, 5)); // held back: memory is the only guard until it is written back
        clock.advance(IDLE.multipliedBy(3));

        assertThat(forgetting.forgetIdle()).isZero();
        assertThat(forgetting.current(ALICE)).containsExactly(at(ALICE, 5));
        assertThat(forgetting.current(BOB)).containsExactly(at(BOB, 1));
        assertThat(forgetting.offer(at(ALICE, 3))).isEqualTo(OUT_OF_ORDER);

        // The store answers again and the update is written back: now both may go.
        repository.failing = false;
        probes.remove(0).run();
        assertThat(forgetting.heldBackCount()).isZero();
        assertThat(forgetting.forgetIdle()).isEqualTo(1).as("ALICE was offered an update just now");
        assertThat(forgetting.current(BOB)).isEmpty();
    }

    private static final class FakeRepository implements PresenceRepository {
        private record Row(PresenceUpdate update, String pool) {
        }

        private final Map<PresenceKey, Row> rows = new HashMap<>();
        final AtomicInteger writes = new AtomicInteger();
        volatile boolean failing;
        volatile boolean failingLoads;

        @Override
        public boolean writeIfNewer(PresenceUpdate update, String sourcePool) {
            boolean written = write(update, sourcePool);
            // A database answers after a round trip: let other threads run between the write and
            // whatever the store does next, as they would in production.
            Thread.yield();
            return written;
        }

        private synchronized boolean write(PresenceUpdate update, String sourcePool) {
            writes.incrementAndGet();
            if (failing) {
                throw new IllegalStateException("connection refused");
            }
            Row row = rows.get(update.key());
            if (row == null || newer(update, row.update())) {
                rows.put(update.key(), new Row(update, sourcePool));
                return true;
            }
            return false;
        }

        private static boolean newer(PresenceUpdate candidate, PresenceUpdate stored) {
            long a = candidate.publishTime().epochMicros();
            long b = stored.publishTime().epochMicros();
            return a > b || (a == b && candidate.digest() > stored.digest());
        }

        @Override
        public synchronized Optional<PresenceUpdate> load(PresenceKey key) {
            if (failing || failingLoads) {
                throw new IllegalStateException("connection refused");
            }
            return Optional.ofNullable(rows.get(key)).map(Row::update);
        }

        synchronized void storeAsAnotherPool(PresenceUpdate update, String pool) {
            rows.put(update.key(), new Row(update, pool));
        }

        synchronized Optional<PresenceUpdate> stored(PresenceKey key) {
            return Optional.ofNullable(rows.get(key)).map(Row::update);
        }

        synchronized String pool(PresenceKey key) {
            return rows.get(key).pool();
        }
    }
}
