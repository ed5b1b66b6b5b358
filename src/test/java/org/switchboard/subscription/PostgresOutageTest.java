package org.switchboard.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.store.Database;
import org.switchboard.testing.TestPostgres;
import org.switchboard.timing.ExecutorScheduler;

/**
 * A real PostgreSQL stopped and started under subscription writes: the breaker opens, operations go on in
 * memory, and once the database is back the rows equal memory exactly, compared row by row.
 */
class PostgresOutageTest {

    @TempDir
    Path work;

    @Test
    void an_outage_during_writes_ends_with_the_rows_equal_to_memory() throws Exception {
        int port = FreePorts.udpAndTcp();
        Path pgData = work.resolve("pg");
        TestPostgres postgres = TestPostgres.start(pgData, port);
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        try (Database database = Database.open(postgres.settings(4, 1), work.resolve("data"))) {
            SubscriptionRepository repository = database.subscriptionRepository();
            PersistentSubscriptions store = new PersistentSubscriptions(Optional.of(repository), new ExecutorScheduler(timers),
                    Clock.systemUTC(), 3, Duration.ofMillis(10), Duration.ofSeconds(1));
            for (int i = 0; i < 200; i++) {
                store.put(PersistentSubscriptionsTest.record(i));
            }
            await(() -> store.status().pendingWrites() == 0, "the first 200 records written");
            assertThat(rows(repository)).isEqualTo(memory(store));

            postgres.close(); // the database goes away
            for (int i = 200; i < 250; i++) {
                store.put(PersistentSubscriptionsTest.record(i));
            }
            for (int i = 0; i < 30; i++) {
                store.put(store.get("id-" + i).orElseThrow().withState(SubscriptionRecord.RecordState.PENDING));
            }
            for (int i = 100; i < 120; i++) {
                store.remove("id-" + i);
            }
            await(() -> store.status().breaker().equals("OPEN"), "the breaker opens");
            assertThat(store.all()).as("operations went on in memory").hasSize(230);
            assertThat(store.status().pendingWrites()).isPositive();

            postgres = TestPostgres.start(pgData, port); // and comes back
            await(() -> store.status().pendingWrites() == 0 && store.status().breaker().equals("CLOSED"), "the write-back");
            Map<String, SubscriptionRecord> rows = rows(repository);
            System.out.printf("compared %d rows with memory after the outage: %s%n", rows.size(), store.status());
            assertThat(rows).isEqualTo(memory(store));
            assertThat(rows).doesNotContainKeys("id-100", "id-119");
            assertThat(store.status().resyncs()).isPositive();
        } finally {
            timers.shutdownNow();
            postgres.close();
        }
    }

    private static Map<String, SubscriptionRecord> rows(SubscriptionRepository repository) {
        Map<String, SubscriptionRecord> rows = new TreeMap<>();
        repository.all().forEach(r -> rows.put(r.id(), r));
        return rows;
    }

    private static Map<String, SubscriptionRecord> memory(PersistentSubscriptions store) {
        Map<String, SubscriptionRecord> m = new TreeMap<>();
        store.all().forEach(r -> m.put(r.id(), r));
        return m;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 600; i++) { // at most a minute
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not reached within a minute: " + what);
    }
}
