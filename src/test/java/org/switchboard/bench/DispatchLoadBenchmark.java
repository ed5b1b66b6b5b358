package org.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.switchboard.testing.Archives;
import org.switchboard.testing.Build;
import org.switchboard.testing.FreePorts;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Dispatch through the real container against a bare 200-answering servlet in the same container,
 * side by side: the same SIPp MESSAGE load against each, stepping the rate up until calls fail or
 * fall behind. Prints a Markdown section. Run by bench/dispatch.
 */
public final class DispatchLoadBenchmark {

    private static final int STEP_SECONDS = 5;
    /** Each step is 10% above the last, so the highest passing rate is known to within 10%. */
    private static final double STEP_FACTOR = 1.10;
    private static final int UDP_START = 2000;
    private static final int TCP_START = 4000;
    private static final int MAX_RATE = 40_000;

    private static final int CPU_RATE = 2000;
    private static final int CPU_SECONDS = 20;
    private static final int WARM_UP_SECONDS = 15;
    /**
     * The same heap for both archives. Over UDP every answered MESSAGE leaves its server transaction alive
     * for 32 s (Timer J), so tens of thousands are retained at once; with a small heap the collector's
     * work, not the archive, decides CPU per call.
     */
    private static final String HEAP = "-Xmx4g";
    private static final double MAX_P99_MS = 100;

    private record Step(int rate, boolean passed, double seconds, double p50, double p99, double serverCpuSeconds) {
    }

    private record Ladder(String target, String transport, int round, List<Step> steps, double cpuMicrosPerCall) {
        Step best() {
            return steps.stream().filter(Step::passed).max(java.util.Comparator.comparingInt(Step::rate))
                    .orElse(new Step(0, false, 0, 0, 0, 0));
        }
    }

    private DispatchLoadBenchmark() {
    }

    /** Fixed rates for the A/B comparison: well below both servers' ceilings on this kind of machine. */
    private static final Map<String, Integer> AB_RATES = Map.of("udp", 2000, "tcp", 8000);

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        String mode = args.length > 1 ? args[1] : "all";
        Path work = Files.createTempDirectory("switchboard-bench-");
        Map<String, byte[]> bare = new LinkedHashMap<>();
        bare.put("WEB-INF/sip.xml", ("<sip-app><app-name>switchboard</app-name>"
                + "<servlet-selection><main-servlet>bare</main-servlet></servlet-selection>"
                + "<servlet><servlet-name>bare</servlet-name><servlet-class>org.switchboard.bench.bare.BareOkServlet</servlet-class>"
                + "<load-on-startup>1</load-on-startup></servlet></sip-app>").getBytes(StandardCharsets.UTF_8));
        bare.putAll(Archives.classes("org/switchboard/bench/bare", "WEB-INF/classes/"));
        Path bareWar = Archives.write(work.resolve("bare.war"), bare);
        byte[] okJar = Archives.jar(work.resolve("ok.jar"), Archives.beanJarEntries("org/switchboard/bench/beans"));
        Path switchboardWar = Archives.switchboardWarWith(work.resolve("switchboard-bench.war"), Map.of("ok.jar", okJar));

        StringBuilder out = new StringBuilder();
        if (!mode.equals("ladder")) {
            out.append(abReport(work, bareWar, switchboardWar, Math.max(3, rounds))).append('\n');
        }
        if (!mode.equals("ab")) {
            List<Ladder> ladders = new ArrayList<>();
            for (String transport : List.of("udp", "tcp")) {
                for (int round = 1; round <= rounds; round++) {
                    ladders.add(ladder("bare servlet", bareWar, transport, round, work));
                    ladders.add(ladder("Switchboard dispatch", switchboardWar, transport, round, work));
                }
            }
            out.append(report(ladders, rounds));
        }
        System.out.println(out);
    }

    /**
     * The steadier figure: server CPU per call at one fixed rate, the two archives alternated, each run
     * a fresh server with the same warm-up. For a CPU-bound server the highest rate goes as the inverse.
     */
    private static String abReport(Path work, Path bareWar, Path switchboardWar, int rounds) throws Exception {
        StringBuilder out = new StringBuilder();
        out.append("#### Server CPU per call at a fixed rate, alternated (µs; bare / Switchboard = the rate Switchboard keeps)\n\n");
        out.append("| transport | rate (calls/s) | round | bare servlet | Switchboard | bare / Switchboard |\n| --- | --- | --- | --- | --- | --- |\n");
        for (String transport : List.of("udp", "tcp")) {
            int rate = AB_RATES.get(transport);
            List<Double> ratios = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                double bare = fixedRate(work, bareWar, transport, rate, "bare servlet", round);
                double sb = fixedRate(work, switchboardWar, transport, rate, "Switchboard dispatch", round);
                ratios.add(bare / sb);
                out.append(String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.0f%% |%n", transport, rate, round, bare, sb, 100 * bare / sb));
            }
            List<Double> sorted = ratios.stream().sorted().toList();
            out.append(String.format(Locale.ROOT, "| %s | %d | median | | | %.0f%% (range %.0f–%.0f%%) |%n", transport, rate,
                    100 * sorted.get(sorted.size() / 2), 100 * sorted.get(0), 100 * sorted.get(sorted.size() - 1)));
        }
        out.append("\nEach run: a fresh server, ").append(WARM_UP_SECONDS).append(" s of warm-up at the same rate, then server CPU")
                .append(" (user + system, /proc) over ").append(CPU_SECONDS).append(" s, divided by the calls made. Heap: ")
                .append(HEAP).append(" for both.\n");
        return out.toString();
    }

    private static double fixedRate(Path work, Path war, String transport, int rate, String target, int round) throws Exception {
        Path dir = Files.createTempDirectory(work, "ab-");
        try (RunningSwitchboard server = RunningSwitchboard.in(dir).arg("--war", war.toString()).jvmOption(HEAP)
                .configText("endpoints:\n  - aor: sip:bench@example.com\n    bean: ok\n").start()) {
            step(server, transport, rate, WARM_UP_SECONDS, dir);
            Step measured = step(server, transport, rate, CPU_SECONDS, dir);
            log(target + " (A/B)", transport, round, measured);
            return measured.serverCpuSeconds() * 1e6 / ((double) rate * CPU_SECONDS);
        }
    }

    private static Ladder ladder(String target, Path war, String transport, int round, Path work) throws Exception {
        Path dir = Files.createTempDirectory(work, "run-");
        List<Step> steps = new ArrayList<>();
        double cpuMicrosPerCall;
        try (RunningSwitchboard server = RunningSwitchboard.in(dir).arg("--war", war.toString()).jvmOption(HEAP)
                .configText("endpoints:\n  - aor: sip:bench@example.com\n    bean: ok\n").start()) {
            warmUp(server, transport, dir);
            Step cpu = step(server, transport, CPU_RATE, CPU_SECONDS, dir);
            cpuMicrosPerCall = cpu.serverCpuSeconds() * 1e6 / (CPU_RATE * CPU_SECONDS);
            log(target, transport, round, cpu);
            int passed = 0;
            int failed = 0;
            for (int rate = "udp".equals(transport) ? UDP_START : TCP_START; rate <= MAX_RATE;
                    rate = (int) Math.round(rate * STEP_FACTOR / 100.0) * 100) {
                Step step = step(server, transport, rate, STEP_SECONDS, dir);
                steps.add(step);
                log(target, transport, round, step);
                if (!step.passed()) {
                    failed = rate;
                    coolDown(server);
                    break;
                }
                passed = rate;
            }
            // Two halvings between the last pass and the first failure: the ceiling to within ~2.5%.
            for (int i = 0; i < 2 && failed > 0 && passed > 0; i++) {
                int middle = (int) Math.round((passed + failed) / 2.0 / 50.0) * 50;
                if (middle <= passed || middle >= failed) {
                    break;
                }
                Step step = step(server, transport, middle, STEP_SECONDS, dir);
                steps.add(step);
                log(target, transport, round, step);
                if (step.passed()) {
                    passed = middle;
                } else {
                    failed = middle;
                    coolDown(server);
                }
            }
        }
        return new Ladder(target, transport, round, steps, cpuMicrosPerCall);
    }

    private static void log(String target, String transport, int round, Step step) {
        System.err.printf(Locale.ROOT, "%s %s round %d: %d calls/s %s (%.1f s, p50 %.2f ms, p99 %.2f ms, server CPU %.2f s)%n",
                target, transport, round, step.rate(), step.passed() ? "passed" : "FAILED", step.seconds(), step.p50(),
                step.p99(), step.serverCpuSeconds());
    }

    private static void warmUp(RunningSwitchboard server, String transport, Path dir) throws Exception {
        step(server, transport, CPU_RATE, WARM_UP_SECONDS, dir);
    }

    /**
     * After an overload the server works through its backlog (retransmissions, transactions kept for
     * 32 s) for a while; the next step starts only once it is idle again (below 10% of a core), or
     * after 90 s.
     */
    private static void coolDown(RunningSwitchboard server) throws Exception {
        for (int second = 0; second < 90; second++) {
            double before = cpuSeconds(server.pid());
            Thread.sleep(1000);
            if (cpuSeconds(server.pid()) - before < 0.1) {
                return;
            }
        }
    }

    /** One step; when SIPp ends within a second (it could not start), once more on another port. */
    private static Step step(RunningSwitchboard server, String transport, int rate, int seconds, Path dir) throws Exception {
        Step step = attempt(server, transport, rate, seconds, dir);
        if (!step.passed() && step.seconds() < 1.0) {
            step = attempt(server, transport, rate, seconds, dir);
        }
        return step;
    }

    private static Step attempt(RunningSwitchboard server, String transport, int rate, int stepSeconds, Path dir) throws Exception {
        Path stepDir = Files.createTempDirectory(dir, "step-");
        int calls = rate * stepSeconds;
        List<String> command = List.of("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/message-uac.xml").toString(),
                "-s", "bench", "-m", String.valueOf(calls), "-r", String.valueOf(rate), "-l", String.valueOf(Math.max(200, rate)),
                "-t", "udp".equals(transport) ? "u1" : "t1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()),
                "-timeout", (stepSeconds * 3) + "s", "-timeout_error", "-nostdin", "-trace_rtt", "-rtt_freq", "1000",
                "127.0.0.1:" + server.sipPort());
        double cpuBefore = cpuSeconds(server.pid());
        long start = System.nanoTime();
        Process sipp = new ProcessBuilder(command).directory(stepDir.toFile()).redirectErrorStream(true)
                .redirectOutput(stepDir.resolve("sipp.out").toFile()).start();
        boolean finished = sipp.waitFor(stepSeconds * 8L, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = cpuSeconds(server.pid()) - cpuBefore;
        if (!finished) {
            sipp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (seconds < 1.0) {
            System.err.println("SIPp ended at once:\n" + Files.readString(stepDir.resolve("sipp.out")));
        }
        boolean keptPace = seconds <= stepSeconds * 1.1 + 0.5;
        double[] rtt = responseTimes(stepDir);
        double p99 = percentile(rtt, 0.99);
        boolean passed = finished && sipp.exitValue() == 0 && keptPace && p99 <= MAX_P99_MS;
        return new Step(rate, passed, seconds, percentile(rtt, 0.50), p99, cpu);
    }

    /** CPU time (user + system) the server process has used, from /proc (Linux, 100 ticks a second). */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    /** SIPp's -trace_rtt file: "date_ms;response_time_ms;rtd_no" per call. */
    private static double[] responseTimes(Path dir) throws IOException {
        List<Double> values = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith("_rtt.csv"))::iterator) {
                for (String line : Files.readAllLines(file)) {
                    String[] fields = line.split(";");
                    if (fields.length >= 2 && !fields[1].isEmpty() && Character.isDigit(fields[1].charAt(0))) {
                        values.add(Double.parseDouble(fields[1]));
                    }
                }
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static Ladder find(List<Ladder> ladders, String transport, int round, String targetPrefix) {
        return ladders.stream().filter(l -> l.transport().equals(transport) && l.round() == round && l.target().startsWith(targetPrefix))
                .findFirst().orElseThrow();
    }

    private static String report(List<Ladder> ladders, int rounds) {
        StringBuilder out = new StringBuilder();
        out.append("| transport | target | round | highest passing rate (calls/s) | p50 / p99 response time at that rate (ms) | server CPU per call at ")
                .append(CPU_RATE).append(" calls/s (µs) |\n");
        out.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Ladder ladder : ladders) {
            Step best = ladder.best();
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.0f / %.0f | %.0f |%n", ladder.transport(), ladder.target(),
                    ladder.round(), best.rate(), best.p50(), best.p99(), ladder.cpuMicrosPerCall()));
        }
        out.append("\n| transport | Switchboard / bare servlet: highest passing rate, per round | bare / Switchboard: server CPU per call, per round |\n| --- | --- | --- |\n");
        for (String transport : List.of("udp", "tcp")) {
            List<String> ratios = new ArrayList<>();
            List<String> cpuRatios = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                Ladder bare = find(ladders, transport, round, "bare");
                Ladder sb = find(ladders, transport, round, "Switchboard");
                ratios.add(bare.best().rate() == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100.0 * sb.best().rate() / bare.best().rate()));
                cpuRatios.add(String.format(Locale.ROOT, "%.0f%%", 100.0 * bare.cpuMicrosPerCall() / sb.cpuMicrosPerCall()));
            }
            out.append("| ").append(transport).append(" | ").append(String.join(", ", ratios)).append(" | ")
                    .append(String.join(", ", cpuRatios)).append(" |\n");
        }
        out.append("\nOne call = one MESSAGE answered 200. After a warm-up (").append(WARM_UP_SECONDS).append(" s at ")
                .append(CPU_RATE).append(" calls/s), server CPU is read from /proc over ").append(CPU_SECONDS)
                .append(" s at ").append(CPU_RATE).append(" calls/s. Then rates start at ").append(UDP_START).append(" (UDP) and ")
                .append(TCP_START).append(" (TCP) calls/s and rise by 10% a step until a step fails, then halve the gap twice;")
                .append(" each step is ").append(STEP_SECONDS).append(" s. A step passes when SIPp reports no failed call, keeps pace")
                .append(" (at most 10% + 0.5 s over its nominal length) and the p99 response time is at most ")
                .append((int) MAX_P99_MS).append(" ms. After a failed step the server is left to become idle before the next one.")
                .append(" SIPp measures response times with a coarse clock (steps of a few ms), so a p50 of 0 means below one step.\n");
        return out.toString();
    }
}
