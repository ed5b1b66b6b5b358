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
    private static final int TCP_START = 3000;
    private static final int MAX_RATE = 40_000;

    private record Step(int rate, boolean passed, double seconds, double p50, double p99) {
    }

    private record Ladder(String target, String transport, int round, List<Step> steps) {
        Step best() {
            return steps.stream().filter(Step::passed).reduce((a, b) -> b).orElse(new Step(0, false, 0, 0, 0));
        }
    }

    private DispatchLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
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

        List<Ladder> ladders = new ArrayList<>();
        for (String transport : List.of("udp", "tcp")) {
            for (int round = 1; round <= rounds; round++) {
                ladders.add(ladder("bare servlet", bareWar, transport, round, work));
                ladders.add(ladder("Switchboard dispatch", switchboardWar, transport, round, work));
            }
        }
        System.out.println(report(ladders, rounds));
    }

    private static Ladder ladder(String target, Path war, String transport, int round, Path work) throws Exception {
        Path dir = Files.createTempDirectory(work, "run-");
        List<Step> steps = new ArrayList<>();
        try (RunningSwitchboard server = RunningSwitchboard.in(dir).arg("--war", war.toString()).jvmOption("-Xmx1g")
                .configText("endpoints:\n  - aor: sip:bench@example.com\n    bean: ok\n").start()) {
            warmUp(server, transport, dir);
            for (int rate = "udp".equals(transport) ? UDP_START : TCP_START; rate <= MAX_RATE;
                    rate = (int) Math.round(rate * STEP_FACTOR / 100.0) * 100) {
                Step step = step(server, transport, rate, dir);
                steps.add(step);
                System.err.printf(Locale.ROOT, "%s %s round %d: %d calls/s %s (%.1f s, p50 %.2f ms, p99 %.2f ms)%n",
                        target, transport, round, rate, step.passed() ? "passed" : "FAILED", step.seconds(), step.p50(), step.p99());
                if (!step.passed()) {
                    break;
                }
            }
        }
        return new Ladder(target, transport, round, steps);
    }

    private static void warmUp(RunningSwitchboard server, String transport, Path dir) throws Exception {
        step(server, transport, 1000, dir);
    }

    private static Step step(RunningSwitchboard server, String transport, int rate, Path dir) throws Exception {
        Path stepDir = Files.createTempDirectory(dir, "step-");
        int calls = rate * STEP_SECONDS;
        List<String> command = List.of("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/message-uac.xml").toString(),
                "-s", "bench", "-m", String.valueOf(calls), "-r", String.valueOf(rate), "-l", String.valueOf(Math.max(200, rate)),
                "-t", "udp".equals(transport) ? "u1" : "t1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()),
                "-timeout", (STEP_SECONDS * 3) + "s", "-timeout_error", "-nostdin", "-trace_rtt", "-rtt_freq", "1000",
                "127.0.0.1:" + server.sipPort());
        long start = System.nanoTime();
        Process sipp = new ProcessBuilder(command).directory(stepDir.toFile()).redirectErrorStream(true)
                .redirectOutput(stepDir.resolve("sipp.out").toFile()).start();
        boolean finished = sipp.waitFor(STEP_SECONDS * 8L, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!finished) {
            sipp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        boolean kept = seconds <= STEP_SECONDS * 1.3 + 1.5;
        double[] rtt = responseTimes(stepDir);
        return new Step(rate, finished && sipp.exitValue() == 0 && kept, seconds, percentile(rtt, 0.50), percentile(rtt, 0.99));
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

    private static String report(List<Ladder> ladders, int rounds) {
        StringBuilder out = new StringBuilder();
        out.append("| transport | target | round | highest rate with every call answered 200 in time (calls/s) | p50 / p99 response time at that rate (ms) |\n");
        out.append("| --- | --- | --- | --- | --- |\n");
        for (Ladder ladder : ladders) {
            Step best = ladder.best();
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.2f / %.2f |%n", ladder.transport(), ladder.target(),
                    ladder.round(), best.rate(), best.p50(), best.p99()));
        }
        out.append("\n| transport | Switchboard / bare servlet (each round's highest passing rate) |\n| --- | --- |\n");
        for (String transport : List.of("udp", "tcp")) {
            List<String> ratios = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                int r = round;
                int bare = ladders.stream().filter(l -> l.transport().equals(transport) && l.round() == r && l.target().startsWith("bare"))
                        .mapToInt(l -> l.best().rate()).findFirst().orElse(0);
                int sb = ladders.stream().filter(l -> l.transport().equals(transport) && l.round() == r && l.target().startsWith("Switchboard"))
                        .mapToInt(l -> l.best().rate()).findFirst().orElse(0);
                ratios.add(bare == 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100.0 * sb / bare));
            }
            out.append("| ").append(transport).append(" | ").append(String.join(", ", ratios)).append(" |\n");
        }
        out.append("\nRates start at ").append(UDP_START).append(" (UDP) and ").append(TCP_START)
                .append(" (TCP) calls/s and rise by 10% a step until a step fails; each step is ").append(STEP_SECONDS)
                .append(" s of MESSAGE calls after a warm-up; a step passes when SIPp reports no failed call and keeps pace")
                .append(" (at most 30% + 1.5 s over its nominal length). One call = one MESSAGE answered 200.")
                .append(" SIPp measures response times with a coarse clock (steps of a few ms), so a p50 of 0 means below one step.\n");
        return out.toString();
    }
}
