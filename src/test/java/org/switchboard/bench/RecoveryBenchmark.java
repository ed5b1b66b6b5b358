package org.switchboard.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.switchboard.config.DatabaseSettings;
import org.switchboard.endpoint.Aor;
import org.switchboard.store.Database;
import org.switchboard.subscription.DialogData;
import org.switchboard.subscription.Direction;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.subscription.Recovery;
import org.switchboard.subscription.RecoveryHandler;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.subscription.SubscriptionRepository;
import org.switchboard.testing.DebianPostgres;
import org.switchboard.timing.ExecutorScheduler;

/**
 * Recovery of 100,000 persisted subscriptions on H2 and PostgreSQL, in batches, while new traffic goes on:
 * a second thread keeps adding records and asking for records not yet recovered (on-demand recovery), and
 * its operation times are reported. Heap: live heap after a full GC, before and after recovery.
 */
public final class RecoveryBenchmark {

    /** New traffic: about 200 operations per second (a new subscription and a lookup each). */
    private static final long TRAFFIC_PAUSE_MS = 5;

    private RecoveryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path work = Files.createTempDirectory("recovery-bench-");
        StringBuilder out = new StringBuilder("| database | round | records | batch size / interval | recovered in (s) | batches | traffic ops during recovery | op p50 / p99 / max (ms) | live heap before / after (MB) |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        try (DebianPostgres postgres = DebianPostgres.start()) {
            String pgName = "PostgreSQL " + postgres.version() + " (Debian)";
            for (int round = 1; round <= rounds; round++) {
                out.append(run("H2 (embedded file)", round, new DatabaseSettings("", "", "", 8, 5), work.resolve("h2-" + round), records, batch));
                DatabaseSettings pg = new DatabaseSettings(postgres.createDatabase("recovery_" + round), postgres.user(), "", 8, 5);
                out.append(run(pgName, round, pg, work.resolve("pg-" + round), records, batch));
            }
        }
        out.append("\nOutgoing records are handed to a handler that only counts them (re-establishing on the wire is the bridge's; "
                + "its SUBSCRIBEs would be paced by the presence views), incoming ones are marked active. Traffic: one thread adding a "
                + "new record and asking for a random existing one (recovered on demand when the batches have not reached it), "
                + "about 200 of each per second. Each round starts from a fresh database (a new H2 file, a new PostgreSQL database).\n");
        System.out.print(out);
    }

    private static String run(String name, int round, DatabaseSettings settings, Path dataDir, int records, int batch) throws Exception {
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        try (Database database = Database.open(settings, dataDir)) {
            SubscriptionRepository repository = database.subscriptionRepository();
            fill(repository, records);
            long before = liveHeap();
            PersistentSubscriptions store = new PersistentSubscriptions(Optional.of(repository), new ExecutorScheduler(timers),
                    Clock.systemUTC(), 3, Duration.ofMillis(100), Duration.ofSeconds(10));
            RecoveryHandler count = r -> r;
            Recovery recovery = new Recovery(repository, store, Map.of(Direction.OUTGOING_SIP, count,
                    Direction.INCOMING_SIP, r -> r.withState(SubscriptionRecord.RecordState.ACTIVE)), batch, Duration.ofSeconds(1),
                    new ExecutorScheduler(timers), Clock.systemUTC());
            AtomicBoolean running = new AtomicBoolean(true);
            List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
            Thread traffic = new Thread(() -> {
                Random random = new Random(1);
                int n = records;
                while (running.get()) {
                    long t0 = System.nanoTime();
                    store.put(record(n++));
                    recovery.recoverNow(record(random.nextInt(records)).key());
                    latencies.add((System.nanoTime() - t0) / 1e6);
                    try {
                        Thread.sleep(TRAFFIC_PAUSE_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "traffic");
            long start = System.nanoTime();
            recovery.start();
            traffic.start();
            for (int i = 0; i < 6000 && !recovery.progress().finished(); i++) {
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            running.set(false);
            traffic.join();
            store.flushNow();
            long after = liveHeap();
            List<Double> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            System.err.printf(Locale.ROOT, "bench: %s: %d records recovered in %.1f s (%s)%n", name, records, seconds, recovery.progress());
            return String.format(Locale.ROOT, "| %s | %d | %,d | %,d / 1 s | %.1f | %d | %,d | %.2f / %.2f / %.1f | %.0f / %.0f |%n", name, round, records, batch,
                    seconds, recovery.progress().batches(), sorted.size(), pct(sorted, 0.5), pct(sorted, 0.99),
                    sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1), before / 1048576.0, after / 1048576.0);
        } finally {
            timers.shutdownNow();
        }
    }

    private static void fill(SubscriptionRepository repository, int records) throws InterruptedException {
        int threads = 4;
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread writer = new Thread(() -> {
                for (int i = first; i < records; i += threads) {
                    repository.upsert(record(i));
                }
            });
            writer.start();
            writers.add(writer);
        }
        for (Thread writer : writers) {
            writer.join();
        }
    }

    private static SubscriptionRecord record(int n) {
        return new SubscriptionRecord(String.format(Locale.ROOT, "00000000-0000-0000-0000-%012d", n), n % 2 == 0 ? Direction.OUTGOING_SIP : Direction.INCOMING_SIP,
                Aor.parse("sip:user" + n + "@example.com"), "contact" + n + "@xmpp.example.com", SubscriptionRecord.RecordState.ACTIVE,
                Instant.parse("2026-11-21T08:00:00Z"), Optional.empty(),
                new DialogData("call-" + n + "@switchboard", "lt" + n, "rt" + n, 3, 7, List.of("<sip:fe1.example.com;lr>"),
                        "sip:user" + n + "@10.0.0.1:5060", Optional.of(Instant.parse("2026-11-21T09:00:00Z"))), 1);
    }

    private static double pct(List<Double> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (p * sorted.size())));
    }

    private static long liveHeap() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
