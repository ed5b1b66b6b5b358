package org.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Archives;
import org.switchboard.testing.Build;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Memory per endpoint: the archive with N application endpoints configured (1,000, 10,000, 100,000 by default),
 * each an endpoint bean answering 200; time from launch to ready, and live heap after a full GC (three readings)
 * minus the same server with one endpoint, per endpoint. Before the heap is read, SIPp sends MESSAGEs to the first
 * and the last endpoint, which must all be answered 200 (the endpoints are really there and dispatched to).
 * Prints a Markdown table.
 */
public final class EndpointMemoryBenchmark {

    private static final String HEAP = "-Xmx8g";
    private static final int PROBE_CALLS = 200;

    private EndpointMemoryBenchmark() {
    }

    private record Run(int endpoints, double readySeconds, HeapReadings liveHeap) {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String arg : args) {
            sizes.add(Integer.parseInt(arg));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(1_000, 10_000, 100_000);
        }
        Path work = Files.createTempDirectory("endpoint-bench-");
        byte[] okJar = Archives.jar(work.resolve("ok.jar"), Archives.beanJarEntries("org/switchboard/bench/beans"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-bench.war"), Map.of("ok.jar", okJar));

        Run baseline = run(work.resolve("baseline"), war, 1);
        StringBuilder out = new StringBuilder("| endpoints | launch to ready (s) | live heap (MB), three readings | heap per endpoint (KB) | per endpoint vs the size before |\n"
                + "| --- | --- | --- | --- | --- |\n");
        double previous = Double.NaN;
        for (int n : sizes) {
            Run run = run(work.resolve("n" + n), war, n);
            double perEndpoint = run.liveHeap().perItemKb(baseline.liveHeap(), n - 1);
            out.append(String.format(Locale.ROOT, "| %,d | %.1f | %s | %s | %s |%n", n, run.readySeconds(), run.liveHeap().megabytes(),
                    run.liveHeap().perItemWithSpread(baseline.liveHeap(), n - 1),
                    Double.isNaN(previous) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * perEndpoint / previous)));
            previous = perEndpoint;
        }
        out.append(String.format(Locale.ROOT, "%nBaseline: the same server with one endpoint, %s MB live heap (launch to ready %.1f s). "
                + "Each endpoint is an application endpoint (`sip:userN@example.com`, a bean answering 200) with its GRUU, its routing "
                + "entries and its bean instance; one JVM per size (%s); %d MESSAGEs each to the first and the last endpoint, all answered "
                + "200, before the heap is read after a full GC, three times, 35 s after the MESSAGEs (their UDP transactions gone). "
                + "The range is the spread of the readings against the baseline's.%n",
                baseline.liveHeap().megabytes(), baseline.readySeconds(), HEAP, PROBE_CALLS));
        System.out.print(out);
    }

    private static Run run(Path dir, Path war, int endpoints) throws Exception {
        Files.createDirectories(dir);
        StringBuilder yaml = new StringBuilder("endpoints:\n");
        for (int i = 0; i < endpoints; i++) {
            yaml.append("  - {aor: \"sip:user").append(i).append("@example.com\", bean: ok}\n");
        }
        long launched = System.nanoTime();
        try (RunningSwitchboard server = RunningSwitchboard.in(dir).arg("--war", war.toString()).jvmOption(HEAP)
                .configText(yaml.toString()).launch()) {
            server.awaitReady();
            double ready = (System.nanoTime() - launched) / 1e9;
            probe(server, dir, "user0");
            probe(server, dir, "user" + (endpoints - 1));
            System.err.printf(Locale.ROOT, "bench: %d endpoints ready after %.1f s, first and last answered%n", endpoints, ready);
            Thread.sleep(35_000);
            HeapReadings heap = HeapReadings.read(server.pid());
            return new Run(endpoints, ready, heap);
        }
    }

    /** MESSAGEs to one endpoint through SIPp; every one must be answered 200. */
    private static void probe(RunningSwitchboard server, Path dir, String user) throws Exception {
        Path log = Files.createTempFile(dir, "sipp-", ".out");
        Process sipp = new ProcessBuilder("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/message-uac.xml").toString(),
                "-s", user, "-m", String.valueOf(PROBE_CALLS), "-r", "200", "-t", "u1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()),
                "-timeout", "30s", "-timeout_error", "-nostdin", "127.0.0.1:" + server.sipPort())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = sipp.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            sipp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (!finished || sipp.exitValue() != 0) {
            throw new IllegalStateException("MESSAGEs to " + user + " were not all answered 200; SIPp's output: " + log);
        }
    }
}
