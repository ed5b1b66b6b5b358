package org.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.switchboard.config.DatabaseSettings;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceRepository;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.PublishTime;
import org.switchboard.store.Database;
import org.switchboard.testing.DebianPostgres;

/**
 * Conditional presence writes per second (the atomic "store only if newer" statement, through JPA and
 * the connection pool) on the embedded H2 file and on a real PostgreSQL, in two workloads:
 * <ul>
 * <li>forward: every write is newer than the stored row, so every write applies (each thread its own keys);</li>
 * <li>contended: all threads write the same 50 keys; half the writes are newer than anything stored and
 * apply, half are a day late and are refused.</li>
 * </ul>
 * Prints a Markdown table on standard output.
 */
public final class StoreWriteBenchmark {

    private static final int THREADS = 4;
    private static final AtomicLong contendedClock = new AtomicLong();
    private static final int WARM_UP_SECONDS = 3;
    private static final int MEASURE_SECONDS = 10;
    private static final String DOCUMENT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:user@example.com">
              <tuple id="t1"><status><basic>open</basic></status><timestamp>2026-11-21T09:00:00Z</timestamp></tuple>
            </presence>
            """;

    private StoreWriteBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        StringBuilder out = new StringBuilder();
        out.append("| database | workload | threads | writes/s per round | median writes/s | applied |\n| --- | --- | --- | --- | --- | --- |\n");
        Path dir = Files.createTempDirectory("store-bench-");
        try (DebianPostgres postgres = DebianPostgres.start()) {
            DatabaseSettings h2 = new DatabaseSettings("", "", "", THREADS * 2, 5);
            DatabaseSettings pg = postgres.settings(THREADS * 2, 5);
            for (String workload : List.of("forward", "contended")) {
                out.append(run("H2 (embedded file)", h2, dir.resolve("h2-" + workload), workload, rounds));
                out.append(run("PostgreSQL " + postgres.version() + " (Debian)", pg, dir.resolve("pg-" + workload), workload, rounds));
            }
        }
        out.append("\nEach round: ").append(WARM_UP_SECONDS).append(" s of warm-up, then ").append(MEASURE_SECONDS)
                .append(" s counted; one write = one conditional statement in its own transaction, PIDF document of ")
                .append(DOCUMENT.length()).append(" characters; ").append(THREADS).append(" writer threads, pool of ")
                .append(THREADS * 2).append(" connections; the database server runs on the same machine.\n");
        System.out.print(out);
    }

    private static String run(String name, DatabaseSettings settings, Path dataDir, String workload, int rounds) throws Exception {
        List<Double> rates = new ArrayList<>();
        double applied = 0;
        try (Database database = Database.open(settings, dataDir)) {
            try (var c = database.dataSource().getConnection(); var st = c.createStatement()) {
                st.execute("DELETE FROM presence_state");
            }
            PresenceRepository repository = database.presenceRepository(Clock.systemUTC());
            long[] clocks = new long[THREADS];
            for (int round = 1; round <= rounds; round++) {
                measure(repository, workload, WARM_UP_SECONDS, clocks, new LongAdder(), new LongAdder());
                LongAdder writes = new LongAdder();
                LongAdder applies = new LongAdder();
                measure(repository, workload, MEASURE_SECONDS, clocks, writes, applies);
                double rate = writes.sum() / (double) MEASURE_SECONDS;
                rates.add(rate);
                applied = applies.sum() / (double) writes.sum();
                System.err.printf(Locale.ROOT, "bench: %s %s round %d: %.0f writes/s, %.0f%% applied%n", name, workload, round, rate, 100 * applied);
            }
        }
        List<Double> sorted = rates.stream().sorted().toList();
        return String.format(Locale.ROOT, "| %s | %s | %d | %s | %.0f | %.0f%% |%n", name, workload, THREADS,
                String.join(", ", rates.stream().map(r -> String.format(Locale.ROOT, "%.0f", r)).toList()),
                sorted.get(sorted.size() / 2), 100 * applied);
    }

    private static void measure(PresenceRepository repository, String workload, int seconds, long[] clocks,
            LongAdder writes, LongAdder applies) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(THREADS);
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Thread writer = new Thread(() -> {
                Random random = new Random(thread);
                try {
                    while (running.get()) {
                        PresenceUpdate update;
                        if ("forward".equals(workload)) {
                            long n = clocks[thread]++;
                            Aor who = Aor.parse("sip:t" + thread + "-user" + (n % 1000) + "@example.com");
                            update = PresenceUpdate.of(who, "pidf", PublishTime.of(Instant.EPOCH.plusMillis(n)), "application/pidf+xml", DOCUMENT);
                        } else {
                            // Half the writes are newer than anything stored, half are a day late.
                            long now = contendedClock.incrementAndGet();
                            long millis = random.nextBoolean() ? now : now - 86_400_000L;
                            Aor who = Aor.parse("sip:user" + random.nextInt(50) + "@example.com");
                            update = PresenceUpdate.of(who, "pidf", PublishTime.of(Instant.EPOCH.plusMillis(86_400_000L + millis)),
                                    "application/pidf+xml", DOCUMENT);
                        }
                        if (repository.writeIfNewer(update, "bench")) {
                            applies.increment();
                        }
                        writes.increment();
                    }
                } finally {
                    done.countDown();
                }
            }, "writer-" + t);
            writer.start();
        }
        Thread.sleep(seconds * 1000L);
        running.set(false);
        done.await();
    }
}
