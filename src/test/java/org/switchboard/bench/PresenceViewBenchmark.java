package org.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Build;
import org.switchboard.testing.DebianPostgres;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Presence views at scale: one instance with a presence-monitor watching N targets, SIPp as the presence
 * server. Two parts, each printing a Markdown table:
 * <ul>
 * <li>NOTIFY processing: 10,000 targets, five NOTIFYs in each dialog (one of them late, dropped by the
 * ordering), every one parsed, ordered and written to the shared store — on the embedded H2 file and on
 * Debian's PostgreSQL. The rate is read every 100 ms from the health JSON; its spread is that of the
 * one-second rates while NOTIFYs flowed.</li>
 * <li>Memory: 1,000, 10,000 and 100,000 targets, one NOTIFY each, live heap after a full GC (read three
 * times) minus the same server with no targets, per view.</li>
 * </ul>
 * Arguments: {@code [notify|memory|all] [sizes...]}.
 */
public final class PresenceViewBenchmark {

    private static final int RATE_TARGETS = Integer.getInteger("bench.notify.targets", 10_000);
    private static final String HEAP = "-Xmx8g";
    private static final int SUBSCRIBES_PER_SECOND = 2000;
    /** How many classes the memory part lists by name in its table of what a view's heap is. */
    private static final int CLASSES_LISTED = 25;
    /** Extra JVM options of the server, space-separated (for profiling: {@code -XX:StartFlightRecording=...}). */
    private static final String SERVER_OPTIONS = System.getProperty("bench.server.options", "");
    /** The stores the NOTIFY run uses, comma-separated: {@code h2}, {@code pg}. */
    private static final List<String> STORES = List.of(System.getProperty("bench.notify.stores", "h2,pg").split(","));

    private PresenceViewBenchmark() {
    }

    /** What one run measured. */
    private record Run(int targets, double subscribedAfter, long processed, long accepted, long outOfOrder, double notifyRate,
            List<Double> secondRates, HeapReadings liveHeap) {
    }

    public static void main(String[] args) throws Exception {
        String part = args.length > 0 ? args[0] : "all";
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            sizes.add(Integer.parseInt(args[i]));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(1_000, 10_000, 100_000);
        }
        Path work = Files.createTempDirectory("view-bench-");
        StringBuilder out = new StringBuilder();
        if (!part.equals("memory")) {
            out.append(notifyProcessing(work));
        }
        if (!part.equals("notify")) {
            out.append(memory(work, sizes));
        }
        System.out.print(out);
    }

    private static String notifyProcessing(Path work) throws Exception {
        StringBuilder out = new StringBuilder("### NOTIFY processing with ordering and the shared store\n\n"
                + "| store | targets | NOTIFYs processed | stored / dropped as late | NOTIFYs/s (whole run) | one-second rates: median (p10–p90) |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        if (STORES.contains("h2")) {
            Run h2 = run(work.resolve("notify-h2"), RATE_TARGETS, "presence-bench-uas.xml", 5, null, false);
            out.append(notifyRow("H2 (embedded file)", h2));
        }
        if (STORES.contains("pg")) {
            try (DebianPostgres postgres = DebianPostgres.start()) {
                Run pg = run(work.resolve("notify-pg"), RATE_TARGETS, "presence-bench-uas.xml", 5, postgres, false);
                out.append(notifyRow("PostgreSQL " + postgres.version() + " (Debian)", pg));
            }
        }
        out.append("\nSIPp accepts each SUBSCRIBE and sends five NOTIFYs in its dialog, each after the 200 of the one before; the fourth is")
                .append(" older than the third, so the ordering stores four and drops one. Every NOTIFY is parsed (PIDF), ordered in")
                .append(" memory and, when newer, written to the store with one conditional statement. SUBSCRIBEs paced at ")
                .append(SUBSCRIBES_PER_SECOND).append("/s; heap ").append(HEAP).append("; SIPp, the server and PostgreSQL share the machine.\n\n");
        return out.toString();
    }

    private static String notifyRow(String store, Run run) {
        List<Double> rates = run.secondRates().stream().sorted().toList();
        return String.format(Locale.ROOT, "| %s | %,d | %,d | %,d / %,d | %,.0f | %,.0f (%,.0f–%,.0f) |%n", store, run.targets(), run.processed(),
                run.accepted(), run.outOfOrder(), run.notifyRate(), quantile(rates, 0.5), quantile(rates, 0.1), quantile(rates, 0.9));
    }

    private static String memory(Path work, List<Integer> sizes) throws Exception {
        Run baseline = run(work.resolve("baseline"), 0, null, 0, null, true);
        StringBuilder out = new StringBuilder("### Memory per presence view\n\n"
                + "| targets | all subscribed after (s) | live heap (MB), three readings | heap per view (KB) | per view vs the size before |\n"
                + "| --- | --- | --- | --- | --- |\n");
        double previous = Double.NaN;
        Run largest = null;
        for (int n : sizes) {
            Run run = run(work.resolve("memory-" + n), n, "presence-bench-one-uas.xml", 1, null, true);
            largest = run;
            double perView = run.liveHeap().perItemKb(baseline.liveHeap(), n);
            out.append(String.format(Locale.ROOT, "| %,d | %.1f | %s | %s | %s |%n", n, run.subscribedAfter(), run.liveHeap().megabytes(),
                    run.liveHeap().perItemWithSpread(baseline.liveHeap(), n),
                    Double.isNaN(previous) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * perView / previous)));
            previous = perView;
        }
        out.append(String.format(Locale.ROOT, "%nBaseline: the same server with a presence-monitor and no targets, %s MB live heap. "
                + "One JVM per size (%s), SUBSCRIBEs paced at %,d/s, one NOTIFY per dialog; the heap is read 35 s after the last NOTIFY, "
                + "once the SIP stack has let its UDP transactions go, after a full GC, three times. Per view includes everything a "
                + "subscription keeps: the view's state machine, the container's SIP application session and dialog, and the newest "
                + "presence document in the store's memory. The range is the spread of the three readings against the baseline's.%n%n",
                baseline.liveHeap().megabytes(), HEAP, SUBSCRIBES_PER_SECOND));
        if (largest != null) {
            out.append(byClass(baseline, largest));
            Path all = work.resolve("bytes-per-view-by-class.txt");
            Files.writeString(all, largest.liveHeap().bytesPerItemByClass(baseline.liveHeap(), largest.targets()).entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%10.1f %s", e.getValue(), e.getKey())).collect(Collectors.joining("\n", "", "\n")));
            System.err.println("bench: every class's bytes per view in " + all);
        }
        return out.toString();
    }

    /** What a view's bytes are, at the largest size: the classes that grew most per view against the baseline. */
    private static String byClass(Run baseline, Run run) {
        Map<String, Double> perClass = run.liveHeap().bytesPerItemByClass(baseline.liveHeap(), run.targets());
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "#### What a view's heap is, at %,d targets (bytes per view, by class, "
                + "`jcmd GC.class_histogram` against the baseline's)%n%n| class | bytes per view |%n| --- | ---: |%n", run.targets()));
        double listed = 0;
        int rows = 0;
        for (Map.Entry<String, Double> e : perClass.entrySet()) {
            if (rows++ == CLASSES_LISTED) {
                break;
            }
            listed += e.getValue();
            out.append(String.format(Locale.ROOT, "| `%s` | %,.0f |%n", e.getKey(), e.getValue()));
        }
        double all = perClass.values().stream().mapToDouble(Double::doubleValue).sum();
        out.append(String.format(Locale.ROOT, "| the other classes that grew by 16 bytes per view or more | %,.0f |%n| **all classes listed by the "
                + "histogram that grew** | **%,.0f** |%n%n", all - listed, all));
        return out.toString();
    }

    private static Run run(Path dir, int targets, String scenario, int notifiesPerTarget, DebianPostgres postgres, boolean readHeap) throws Exception {
        Files.createDirectories(dir);
        int peerPort = FreePorts.udpAndTcp();
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < targets; i++) {
            list.append(i == 0 ? "" : ", ").append("\"sip:user").append(i).append("@example.com\"");
        }
        String storage = postgres == null ? "" : """
                storage:
                  database: {url: "%s", username: %s}
                """.formatted(postgres.url(), postgres.user());
        Process sipp = null;
        if (targets > 0) {
            sipp = new ProcessBuilder("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/" + scenario).toString(),
                    "-i", "127.0.0.1", "-p", String.valueOf(peerPort), "-t", "u1", "-m", String.valueOf(targets), "-timeout", "900s",
                    "-nostdin", "-buff_size", "8388608", "-trace_err").directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sipp.out").toFile()).start();
        }
        try (RunningSwitchboard server = RunningSwitchboard.in(dir).jvmOption(HEAP).jvmOptions(SERVER_OPTIONS).configText(storage + AdminLogin.configSection() + """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - {name: fe, next-hop: "sip:127.0.0.1:%d;transport=udp"}
                presence:
                  views: {bulk-subscribes-per-second: %d}
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings:
                      targets: [%s]
                """.formatted(peerPort, SUBSCRIBES_PER_SECOND, list)).start()) {
            long start = System.nanoTime();
            long expected = (long) targets * notifiesPerTarget;
            double subscribedAt = 0;
            long firstNotifyAt = 0;
            long lastChangeAt = 0;
            long processed = 0;
            long accepted = 0;
            long outOfOrder = 0;
            List<long[]> samples = new ArrayList<>();
            // Bounded: at most 15 minutes of polling.
            for (int i = 0; i < 9000 && targets > 0; i++) {
                JsonNode health = health(server);
                long subscribed = health.path("presenceViews").path("SUBSCRIBED").asLong();
                JsonNode p = health.path("presence");
                accepted = p.path("accepted").asLong();
                outOfOrder = p.path("outOfOrder").asLong();
                long now = p.path("accepted").asLong() + p.path("outOfOrder").asLong() + p.path("duplicates").asLong();
                long at = System.nanoTime();
                if (now > 0 && firstNotifyAt == 0) {
                    firstNotifyAt = at;
                }
                if (now != processed) {
                    lastChangeAt = at;
                }
                processed = now;
                samples.add(new long[] {at, now});
                if (subscribed == targets && subscribedAt == 0) {
                    subscribedAt = (at - start) / 1e9;
                }
                if (processed >= expected && subscribedAt > 0) {
                    break;
                }
                Thread.sleep(100);
            }
            double rate = 0;
            List<Double> secondRates = new ArrayList<>();
            if (targets > 0) {
                rate = processed / Math.max(1e-9, (lastChangeAt - firstNotifyAt) / 1e9);
                secondRates = secondRates(samples, firstNotifyAt, lastChangeAt);
                System.err.printf(Locale.ROOT, "bench: %d targets (%s): subscribed after %.1f s, %d NOTIFYs (%d stored, %d late), %.0f/s%n",
                        targets, postgres == null ? "H2" : "PostgreSQL", subscribedAt, processed, accepted, outOfOrder, rate);
                if (subscribedAt == 0 || processed < expected) {
                    throw new IllegalStateException("the run did not complete: " + processed + " of " + expected + " NOTIFYs, subscribed after "
                            + subscribedAt + " s; see " + dir);
                }
            }
            HeapReadings heap = HeapReadings.none();
            if (readHeap) {
                // UDP transactions (one per NOTIFY) live 32 s after their answer (Timer J): let them go first.
                Thread.sleep(35_000);
                heap = HeapReadings.read(server.pid());
            }
            return new Run(targets, subscribedAt, processed, accepted, outOfOrder, rate, secondRates, heap);
        } finally {
            if (sipp != null) {
                sipp.destroy();
                if (!sipp.waitFor(10, TimeUnit.SECONDS)) {
                    sipp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** NOTIFYs processed in each whole second between the first and the last change. */
    private static List<Double> secondRates(List<long[]> samples, long from, long to) {
        List<Double> rates = new ArrayList<>();
        int j = 0;
        for (long windowStart = from; windowStart + 1_000_000_000L <= to; windowStart += 1_000_000_000L) {
            long windowEnd = windowStart + 1_000_000_000L;
            while (j + 1 < samples.size() && samples.get(j + 1)[0] <= windowStart) {
                j++;
            }
            int k = j;
            while (k + 1 < samples.size() && samples.get(k + 1)[0] <= windowEnd) {
                k++;
            }
            double seconds = (samples.get(k)[0] - samples.get(j)[0]) / 1e9;
            if (seconds > 0.5) {
                rates.add((samples.get(k)[1] - samples.get(j)[1]) / seconds);
            }
        }
        return rates;
    }

    private static JsonNode health(RunningSwitchboard server) throws Exception {
        return Health.detail(server);
    }

    static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(q * sorted.size()) - 1)));
    }
}
