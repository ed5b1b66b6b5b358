package org.switchboard.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Archives;
import org.switchboard.testing.Build;
import org.switchboard.testing.ProcessCpu;
import org.switchboard.testing.SippResponseTimes;

/**
 * The dispatcher's cost: the same SIPp MESSAGE load over UDP through {@code deploy/pool} (Kamailio's dispatcher in
 * front of 1, 2 and 3 instances, the dispatch benchmark's {@code ok} endpoint answering 200) and straight to one
 * instance of the one-instance pool. Per configuration: a warm-up, a fixed-rate run (CPU per call of the instances
 * and of Kamailio, from /proc) and a short ladder (the highest passing rate). Prints a Markdown section. Run by
 * bench/pool.
 */
public final class PoolLoadBenchmark {

    private static final int FIXED_RATE = 1000;
    private static final int WARM_UP_SECONDS = 10;
    private static final int FIXED_SECONDS = 6;
    private static final int STEP_SECONDS = 3;
    private static final int LADDER_START = 1000;
    private static final double STEP_FACTOR = 1.5;
    private static final int BISECTIONS = 2;
    private static final int MAX_RATE = 20_000;
    private static final int MIN_RATE = 200;
    private static final double MAX_P99_MS = 100;
    private static final int COOL_DOWN_MAX_SECONDS = 30;
    /** Per instance; the dispatch benchmark gives its one server 4 GB, three of those would not fit beside the lead's tests. */
    private static final String HEAP = "-Xmx2g";
    private static final Pattern INSTANCE = Pattern.compile("^pool: instance \\d+: SIP 127\\.0\\.0\\.1:(\\d+), .*pid (\\d+)");
    private static final Pattern KAMAILIO = Pattern.compile("^pool: Kamailio pid (\\d+)");

    /** One SIPp run at one rate, with the CPU seconds the instances and Kamailio used meanwhile. */
    record Step(int rate, String failure, double seconds, double p99, double instancesCpu, double kamailioCpu) {
        boolean passed() {
            return failure.isEmpty();
        }
    }

    /** One configuration: its name, the fixed-rate run and the highest passing step. */
    record Row(String name, int instances, boolean throughDispatcher, Step fixed, Step ceiling) {
    }

    /** A started {@code deploy/pool}: its process, SIP port, instances' SIP ports and pids, Kamailio's pid. */
    record RunningPool(Process process, int port, List<Integer> instancePorts, List<Long> instancePids, long kamailioPid) {
        double instancesCpu() {
            return instancePids.stream().mapToDouble(ProcessCpu::seconds).sum();
        }

        double kamailioCpu() {
            return ProcessHandle.of(kamailioPid).map(ProcessCpu::seconds).orElse(0.0);
        }
    }

    private PoolLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("switchboard-pool-bench-");
        // As root the pool's PostgreSQL runs as the postgres user, which must pass through this directory.
        work.toFile().setExecutable(true, false);
        byte[] okJar = Archives.jar(work.resolve("ok.jar"), Archives.beanJarEntries("org/switchboard/bench/beans"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-bench.war"), Map.of("ok.jar", okJar));
        Path config = Files.writeString(work.resolve("pool.yaml"), "endpoints:\n  - aor: sip:bench@example.com\n    bean: ok\n");
        List<Row> rows = new ArrayList<>();
        for (int instances = 1; instances <= 3; instances++) {
            Path dir = work.resolve("pool-" + instances);
            RunningPool pool = start(instances, war, config, dir);
            try {
                if (instances == 1) {
                    rows.add(measure("one instance directly", 1, false, pool, pool.instancePorts().get(0), dir));
                }
                rows.add(measure(instances + " instance" + (instances == 1 ? "" : "s") + " through the dispatcher", instances, true, pool,
                        pool.port(), dir));
            } finally {
                stop(pool);
            }
        }
        System.out.println(report(rows));
        delete(work);
    }

    private static RunningPool start(int instances, Path war, Path config, Path dir) throws Exception {
        int port = FreePorts.udpAndTcp();
        Files.createDirectories(dir);
        Path out = dir.resolve("pool.out");
        ProcessBuilder builder = new ProcessBuilder(Build.basedir().resolve("deploy/pool").toString(), "--instances", String.valueOf(instances),
                "--sip-port", String.valueOf(port), "--config", config.toString(), "--dir", dir.resolve("pool").toString(), "--war",
                war.toString(), "--no-console", "--drain-seconds", "3")
                .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("SWITCHBOARD_JAVA_OPTS", HEAP);
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(out);
            if (text.contains("Switchboard pool ready:")) {
                List<Integer> ports = new ArrayList<>();
                List<Long> pids = new ArrayList<>();
                long kamailio = 0;
                for (String line : text.split("\n")) {
                    Matcher instance = INSTANCE.matcher(line);
                    if (instance.find()) {
                        ports.add(Integer.parseInt(instance.group(1)));
                        pids.add(Long.parseLong(instance.group(2)));
                    }
                    Matcher k = KAMAILIO.matcher(line);
                    if (k.find()) {
                        kamailio = Long.parseLong(k.group(1));
                    }
                }
                System.err.println("bench: pool of " + instances + " ready");
                return new RunningPool(process, port, ports, pids, kamailio);
            }
            if (!process.isAlive()) {
                throw new IOException("deploy/pool exited with " + process.exitValue() + ":\n" + text);
            }
            Thread.sleep(250);
        }
        process.destroy();
        throw new IOException("deploy/pool not ready within 300 s; see " + out);
    }

    private static void stop(RunningPool pool) throws Exception {
        pool.process().destroy(); // SIGTERM: the pool stops Kamailio, the instances and PostgreSQL
        if (!pool.process().waitFor(120, TimeUnit.SECONDS)) {
            pool.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Row measure(String name, int instances, boolean throughDispatcher, RunningPool pool, int port, Path dir) throws Exception {
        step(pool, port, FIXED_RATE, WARM_UP_SECONDS, dir);
        Step fixed = step(pool, port, FIXED_RATE, FIXED_SECONDS, dir);
        log(name, "fixed", fixed);
        if (!fixed.passed()) {
            coolDown(pool);
        }
        return new Row(name, instances, throughDispatcher, fixed, ladder(name, pool, port, dir));
    }

    /**
     * Up from {@link #LADDER_START} by {@link #STEP_FACTOR} until a step fails (down by as much while they fail), then
     * {@link #BISECTIONS} halvings of the gap.
     */
    private static Step ladder(String name, RunningPool pool, int port, Path dir) throws Exception {
        Step best = null;
        int passed = 0;
        int failed = 0;
        for (int rate = LADDER_START; rate <= MAX_RATE; rate = (int) Math.round(rate * STEP_FACTOR / 50.0) * 50) {
            Step step = ladderStep(name, pool, port, rate, dir);
            if (!step.passed()) {
                failed = rate;
                break;
            }
            passed = rate;
            best = step;
        }
        // The first step failed: down by as much while steps fail, not below MIN_RATE.
        for (int rate = (int) Math.round(LADDER_START / STEP_FACTOR / 50.0) * 50; passed == 0 && rate >= MIN_RATE;
                rate = (int) Math.round(rate / STEP_FACTOR / 50.0) * 50) {
            Step step = ladderStep(name, pool, port, rate, dir);
            if (step.passed()) {
                passed = rate;
                best = step;
            } else {
                failed = rate;
            }
        }
        for (int i = 0; i < BISECTIONS && passed > 0 && failed > 0; i++) {
            int middle = (int) Math.round((passed + failed) / 2.0 / 50.0) * 50;
            if (middle <= passed || middle >= failed) {
                break;
            }
            Step step = ladderStep(name, pool, port, middle, dir);
            if (step.passed()) {
                passed = middle;
                best = step;
            } else {
                failed = middle;
            }
        }
        return best != null ? best : new Step(0, "none passed", 0, Double.NaN, 0, 0);
    }

    private static Step ladderStep(String name, RunningPool pool, int port, int rate, Path dir) throws Exception {
        Step step = step(pool, port, rate, STEP_SECONDS, dir);
        log(name, "ladder", step);
        if (!step.passed()) {
            coolDown(pool);
        }
        return step;
    }

    /** SIPp: rate × seconds MESSAGEs to sip:bench@example.com over UDP; passes with no failed call, its pace kept and p99 ≤ 100 ms. */
    private static Step step(RunningPool pool, int port, int rate, int seconds, Path dir) throws Exception {
        Path stepDir = Files.createTempDirectory(dir, "step-");
        List<String> command = List.of("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/message-uac.xml").toString(),
                "-s", "bench", "-m", String.valueOf(rate * seconds), "-r", String.valueOf(rate), "-l", String.valueOf(Math.max(200, rate)),
                "-t", "u1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()), "-timeout", (seconds * 3) + "s", "-timeout_error",
                "-nostdin", "-trace_rtt", "-rtt_freq", "1000", "127.0.0.1:" + port);
        double instancesBefore = pool.instancesCpu();
        double kamailioBefore = pool.kamailioCpu();
        long start = System.nanoTime();
        Process sipp = new ProcessBuilder(command).directory(stepDir.toFile()).redirectErrorStream(true)
                .redirectOutput(stepDir.resolve("sipp.out").toFile()).start();
        boolean finished = sipp.waitFor(seconds * 8L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double instancesCpu = pool.instancesCpu() - instancesBefore;
        double kamailioCpu = pool.kamailioCpu() - kamailioBefore;
        if (!finished) {
            sipp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        double[] rtt = SippResponseTimes.read(stepDir, true);
        double p99 = SippResponseTimes.percentile(rtt, 0.99);
        String failure = !finished ? "SIPp did not finish" : sipp.exitValue() != 0 ? "failed calls (SIPp exit " + sipp.exitValue() + ")"
                : elapsed > seconds * 1.1 + 0.3 ? "fell behind" : !(p99 <= MAX_P99_MS) ? "p99 over " + (int) MAX_P99_MS + " ms" : "";
        return new Step(rate, failure, elapsed, p99, instancesCpu, kamailioCpu);
    }

    /** After an overload the instances work through their backlog; the next step starts once they are idle (or after a bound). */
    private static void coolDown(RunningPool pool) throws InterruptedException {
        for (int second = 0; second < COOL_DOWN_MAX_SECONDS; second++) {
            double before = pool.instancesCpu();
            Thread.sleep(1000);
            if (pool.instancesCpu() - before < 0.1 * pool.instancePids().size()) {
                return;
            }
        }
    }

    private static void log(String name, String what, Step step) {
        System.err.printf(Locale.ROOT, "%s %s: %d calls/s %s (%.1f s, p99 %.0f ms, instances %.2f cores, Kamailio %.2f cores)%n", name, what,
                step.rate(), step.passed() ? "passed" : "FAILED: " + step.failure(), step.seconds(), step.p99(),
                step.instancesCpu() / step.seconds(), step.kamailioCpu() / step.seconds());
    }

    private static String report(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| configuration | highest passing rate (calls/s) | p99 at it (ms) | instances' CPU per call at ").append(FIXED_RATE)
                .append(" calls/s (µs) | Kamailio's CPU per call (µs) | together (µs) |\n| --- | --- | --- | --- | --- | --- |\n");
        for (Row row : rows) {
            double calls = (double) FIXED_RATE * FIXED_SECONDS;
            double instances = row.fixed().instancesCpu() * 1e6 / calls;
            double kamailio = row.throughDispatcher() ? row.fixed().kamailioCpu() * 1e6 / calls : Double.NaN;
            out.append(String.format(Locale.ROOT, "| %s | %d%s | %.0f | %.1f%s | %s | %s |%n", row.name(), row.ceiling().rate(),
                    row.ceiling().rate() >= MAX_RATE ? " (the cap)" : "", row.ceiling().p99(), instances,
                    row.fixed().passed() ? "" : " (the fixed-rate run failed: " + row.fixed().failure() + ")",
                    row.throughDispatcher() ? String.format(Locale.ROOT, "%.1f", kamailio) : "– (idle: probes only)",
                    row.throughDispatcher() ? String.format(Locale.ROOT, "%.1f", instances + kamailio) : String.format(Locale.ROOT, "%.1f", instances)));
        }
        out.append('\n').append("One call = one MESSAGE to `sip:bench@example.com` over UDP, answered 200 by the dispatch benchmark's `ok`")
                .append(" endpoint bean, from SIPp on the same machine (`message-uac.xml`). Each configuration is a fresh `deploy/pool`")
                .append(" (`--no-console`, instances with ").append(HEAP).append(", PostgreSQL started by the pool and idle); the")
                .append(" dispatcher is `deploy/kamailio-pool.cfg` (hash on the Call-ID here: no `Ms-Conversation-ID`), Kamailio to the")
                .append(" instances over UDP. \"One instance directly\" is the one-instance pool's instance, addressed on its own port,")
                .append(" before the same load goes through the dispatcher. Per configuration: ").append(WARM_UP_SECONDS).append(" s at ")
                .append(FIXED_RATE).append(" calls/s (warm-up), ").append(FIXED_SECONDS).append(" s at ").append(FIXED_RATE)
                .append(" calls/s measured (CPU user + system from /proc: the instances' JVMs summed, and Kamailio's main process with")
                .append(" all its children, divided by the calls), then a ladder from ").append(LADDER_START).append(" calls/s up by half until")
                .append(" a step fails, the gap halved ").append(BISECTIONS).append(" times; each step ").append(STEP_SECONDS)
                .append(" s, passing with no failed call, its pace kept (≤ 10% + 0.3 s over) and p99 ≤ ").append((int) MAX_P99_MS)
                .append(" ms. On 2 cores the instances, Kamailio and SIPp share the same cores, so more instances cannot show scaling:")
                .append(" the figures show what the dispatcher costs, not what a pool of machines would carry.\n");
        return out.toString();
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        }
    }
}
