package org.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Archives;
import org.switchboard.testing.Build;
import org.switchboard.testing.Kamailio;
import org.switchboard.testing.KamailioTls;
import org.switchboard.testing.ProcessCpu;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SippResponseTimes;
import org.switchboard.testing.TestCertificates;

/**
 * The same SIPp MESSAGE and OPTIONS load, in one run, against three targets side by side: Switchboard dispatching to
 * an endpoint bean that answers 200, a bare servlet answering 200 in the same container, and Kamailio answering
 * statelessly as the ceiling. Each round starts each target once and, inside it, per transport and method: a
 * warm-up, a fixed-rate measurement (server CPU per call, response-time percentiles) and a short ladder (the
 * highest passing rate); over TCP and UDP, after each fixed-rate SIPp run, the same rate from {@link LatencyClient}, whose
 * response times are in microseconds where SIPp's clock steps by milliseconds. Over TLS (SIPp has no TLS) SIPp's TCP
 * load goes through a relay, Kamailio with its tls module forwarding statelessly over one mutual-TLS connection to the
 * target's TLS port. Prints a Markdown section. Run by bench/dispatch; with {@code --latency-only} (bench/latency), only
 * the microsecond client's measurement, warm-ups included, against each target.
 */
public final class DispatchLoadBenchmark {

    /** The rate every target keeps on both transports: CPU per call and response times are compared here. */
    private static final int COMMON_RATE = 2000;
    /** The first warm-up of a fresh server (JIT compilation); later ones only settle the server at the rate. */
    private static final int FIRST_WARM_UP_SECONDS = 10;
    private static final int WARM_UP_SECONDS = 3;
    private static final int FIXED_SECONDS = 6;
    private static final int STEP_SECONDS = 3;
    /** The microsecond client's own warm-up before its measurement, on a server SIPp has already warmed. */
    private static final int CLIENT_WARM_UP_SECONDS = 2;
    /**
     * The ladder's first rate per transport: above the common rate, below every target's ceiling on this kind of
     * machine (over UDP the container's transaction retention sets it low, over TCP it is several times higher).
     */
    private static final Map<String, Integer> LADDER_START = Map.of("udp", 3000, "tcp", 6000, "tls", 6000);
    /** From there the ladder climbs by half until a step fails (or falls by as much while they fail), then halves the gap twice. */
    private static final double STEP_FACTOR = 1.5;
    private static final int BISECTIONS = 2;
    private static final int MAX_RATE = 60_000;
    private static final int MIN_RATE = 200;
    private static final double MAX_P99_MS = 100;
    private static final int COOL_DOWN_MAX_SECONDS = 30;
    /**
     * The same heap for both archives. Over UDP every answered request leaves its server transaction alive
     * for 32 s (Timer J), so tens of thousands are retained at once; with a small heap the collector's
     * work, not the archive, decides CPU per call.
     */
    private static final String HEAP = "-Xmx4g";
    /**
     * Extra JVM options of both Java targets alike, space-separated: by default what {@code deploy/run} adds (G1 with a
     * 20 ms pause goal), so that both are measured as they are run; {@code -Dbench.server.options=-XX:+UseZGC} compares
     * with ZGC, {@code -Dbench.server.options=-XX:MaxGCPauseMillis=200} with the JVM's default goal.
     */
    private static final String SERVER_OPTIONS = System.getProperty("bench.server.options", "-XX:MaxGCPauseMillis=20");

    /** The smallest non-zero response time SIPp reported in this run: the step of its clock. */
    private static double clockStep = Double.POSITIVE_INFINITY;

    enum Target {
        SWITCHBOARD("Switchboard"), BARE("bare servlet"), KAMAILIO("Kamailio");

        final String label;

        Target(String label) {
            this.label = label;
        }
    }

    enum Method {
        MESSAGE("message-uac.xml"), OPTIONS("options-load-uac.xml");

        final String scenario;

        Method(String scenario) {
            this.scenario = scenario;
        }
    }

    record Latency(double p50, double p90, double p99) {
        static final Latency NONE = new Latency(Double.NaN, Double.NaN, Double.NaN);
    }

    /** One SIPp run at one rate; CPU shares are in cores (1.0 = one core busy all the step); the TLS relay's NaN without one. */
    record Step(int rate, String failure, double seconds, Latency latency, double serverCpuSeconds, double sippCores, double relayCores) {
        boolean passed() {
            return failure.isEmpty();
        }

        double serverCores() {
            return seconds > 0 ? serverCpuSeconds / seconds : Double.NaN;
        }
    }

    /** One (target, method, transport) in one round. */
    record Cell(Target target, Method method, String transport, int round, Step fixed, Step ceiling, boolean capped) {
        double cpuMicrosPerCall() {
            return fixed.serverCpuSeconds() * 1e6 / ((double) COMMON_RATE * FIXED_SECONDS);
        }
    }

    /** The microsecond client's measurement at {@link #COMMON_RATE} over TCP or UDP against one target, method, in one round. */
    record ClientRun(Target target, Method method, String transport, int round, LatencyClient.Result result) {
    }

    /**
     * A running target: the port on 127.0.0.1 SIPp sends to over {@code transport} (over TLS, the relay's TCP port), and
     * the CPU time all its processes have used (the relay's not included: {@link #relayCpuSeconds()}).
     */
    private interface Server extends AutoCloseable {
        int sipPort(String transport);

        double cpuSeconds();

        double relayCpuSeconds();

        @Override
        void close() throws IOException;
    }

    private DispatchLoadBenchmark() {
    }

    /**
     * Arguments: rounds (default 2), transports (default "tcp,tls,udp"); or {@code --latency-only}, rounds (default 1) and
     * transports (tcp, udp; default both): the microsecond client's measurement alone.
     */
    public static void main(String[] args) throws Exception {
        boolean latencyOnly = args.length > 0 && args[0].equals("--latency-only");
        if (latencyOnly) {
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : latencyOnly ? 1 : 2;
        List<String> transports = Arrays.asList((args.length > 1 ? args[1] : latencyOnly ? "tcp,udp" : "tcp,tls,udp").split(","));
        if (rounds < 1 || transports.stream().anyMatch(t -> !LADDER_START.containsKey(t)) || latencyOnly && transports.contains("tls")) {
            throw new IllegalArgumentException(
                    "usage: DispatchLoadBenchmark [ROUNDS] [tcp,udp,tls], or DispatchLoadBenchmark --latency-only [ROUNDS] [tcp,udp]");
        }
        if (transports.contains("tls") && !Kamailio.tlsInstalled()) {
            throw new IllegalStateException("the load over TLS goes through Kamailio's tls module: apt-get install -y kamailio kamailio-tls-modules");
        }
        Path work = Files.createTempDirectory("switchboard-bench-");
        Tls tls = transports.contains("tls") ? Tls.in(work.resolve("certificates")) : null;
        Map<String, byte[]> bare = new LinkedHashMap<>();
        bare.put("WEB-INF/sip.xml", ("<sip-app><app-name>switchboard</app-name>"
                + "<servlet-selection><main-servlet>bare</main-servlet></servlet-selection>"
                + "<servlet><servlet-name>bare</servlet-name><servlet-class>org.switchboard.bench.bare.BareOkServlet</servlet-class>"
                + "<load-on-startup>1</load-on-startup></servlet></sip-app>").getBytes(StandardCharsets.UTF_8));
        bare.putAll(Archives.classes("org/switchboard/bench/bare", "WEB-INF/classes/"));
        Path bareWar = Archives.write(work.resolve("bare.war"), bare);
        byte[] okJar = Archives.jar(work.resolve("ok.jar"), Archives.beanJarEntries("org/switchboard/bench/beans"));
        Path switchboardWar = Archives.switchboardWarWith(work.resolve("switchboard-bench.war"), Map.of("ok.jar", okJar));

        List<Target> targets = new ArrayList<>(List.of(Target.values()));
        if (!Kamailio.installed()) {
            System.err.println("bench: " + Kamailio.notInstalled() + "; Kamailio is left out of this run");
            targets.remove(Target.KAMAILIO);
        }
        List<Cell> cells = new ArrayList<>();
        List<ClientRun> clientRuns = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            // Each round starts with another target, so that a drift of the machine does not fall on one of them.
            for (int i = 0; i < targets.size(); i++) {
                Target target = targets.get((i + round - 1) % targets.size());
                Path dir = Files.createTempDirectory(work, target.name().toLowerCase(Locale.ROOT) + "-");
                try (Server server = start(target, target == Target.BARE ? bareWar : switchboardWar, dir, tls)) {
                    if (latencyOnly) {
                        clientRuns.addAll(clientRunsAlone(server, target, round, transports));
                    } else {
                        cells.addAll(measure(server, target, round, transports, dir, clientRuns));
                    }
                }
            }
        }
        Report report = new Report(cells, clientRuns, targets, transports.stream().sorted().toList(), rounds);
        System.out.println(latencyOnly ? report.latencyOnlyMarkdown() : report.markdown());
        delete(work); // kept when the run fails, for its logs
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * The certificates of a TLS run, made once by the JDK's keytool: the Java targets' key store, the relay's and the
     * ceiling Kamailio's keys, all signed by one test CA that every side trusts (mutual TLS).
     */
    private record Tls(TestCertificates certificates, Path serverKeystore, TestCertificates.Pem relay, TestCertificates.Pem kamailio) {
        static Tls in(Path dir) throws Exception {
            TestCertificates certificates = TestCertificates.in(dir);
            return new Tls(certificates, certificates.server("switchboard"), certificates.pem(certificates.server("relay")),
                    certificates.pem(certificates.server("kamailio")));
        }

        /** The relay: Kamailio taking SIPp's TCP load and forwarding it statelessly over TLS to {@code tlsPort}. */
        Kamailio relayTo(int tlsPort) throws IOException {
            return Kamailio.startTls(KamailioTls.presenting(relay, certificates.caCertificate()).quiet().routing("""
                    $du = "sip:127.0.0.1:%d;transport=tls";
                    forward();
                    """.formatted(tlsPort)));
        }

        String serverConfiguration(int tlsPort) {
            return """
                    server:
                      sip-transports: [udp, tcp, tls]
                      sip-tls-port: %d
                      tls:
                        keystore: "%s"
                        keystore-password: %s
                        truststore: "%s"
                        truststore-password: %s
                        client-auth: need
                    """.formatted(tlsPort, serverKeystore, TestCertificates.PASSWORD, certificates.truststore(), TestCertificates.PASSWORD);
        }
    }

    /** Starts {@code target} and, with {@code tls}, a TLS relay in front of it. */
    private static Server start(Target target, Path war, Path dir, Tls tls) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            int port;
            int tlsPort = 0;
            ProcessHandle process;
            if (target == Target.KAMAILIO) {
                Kamailio kamailio = tls == null ? Kamailio.start()
                        : Kamailio.startTls(KamailioTls.presenting(tls.kamailio(), tls.certificates().caCertificate()).quiet());
                started.add(kamailio);
                port = kamailio.port();
                tlsPort = tls == null ? 0 : kamailio.tlsPort();
                process = ProcessHandle.of(kamailio.pid()).orElseThrow();
            } else {
                tlsPort = tls == null ? 0 : FreePorts.udpAndTcp();
                // The bare servlet's archive has no endpoint beans, and the runner refuses a bean it cannot find.
                String endpoints = target == Target.BARE ? "" : "endpoints:\n  - aor: sip:bench@example.com\n    bean: ok\n";
                RunningSwitchboard.Launch launch = RunningSwitchboard.in(dir).arg("--war", war.toString()).jvmOption(HEAP)
                        .jvmOptions(SERVER_OPTIONS);
                String configuration = (tls == null ? "" : tls.serverConfiguration(tlsPort)) + endpoints;
                if (!configuration.isEmpty()) {
                    launch.configText(configuration);
                }
                RunningSwitchboard runner = launch.start();
                started.add(runner);
                port = runner.sipPort();
                process = ProcessHandle.of(runner.pid()).orElseThrow();
            }
            Kamailio relay = tls == null ? null : tls.relayTo(tlsPort);
            if (relay != null) {
                started.add(relay);
            }
            return new Server() {
                public int sipPort(String transport) {
                    return "tls".equals(transport) ? relay.port() : port;
                }

                public double cpuSeconds() {
                    return ProcessCpu.seconds(process);
                }

                public double relayCpuSeconds() {
                    return relay == null ? Double.NaN : relay.cpuSeconds();
                }

                public void close() throws IOException {
                    closeAll(started);
                }
            };
        } catch (Exception | Error e) {
            closeAll(started);
            throw e;
        }
    }

    /** Stops what was started, the last first. */
    private static void closeAll(List<AutoCloseable> started) throws IOException {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping", e);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }

    /**
     * Per transport (TCP first: over UDP the container keeps every transaction 32 s, which would weigh on
     * what follows), both methods' fixed-rate measurements, then both methods' ladders. Over TCP and UDP each method's
     * fixed-rate SIPp run is followed by the microsecond client's, added to {@code clientRuns}.
     */
    private static List<Cell> measure(Server server, Target target, int round, List<String> transports, Path dir,
            List<ClientRun> clientRuns) throws Exception {
        List<Cell> cells = new ArrayList<>();
        boolean first = true;
        for (String transport : transports.stream().sorted().toList()) { // "tcp" before "udp"
            Map<Method, Step> fixed = new LinkedHashMap<>();
            for (Method method : Method.values()) {
                step(server, method, transport, COMMON_RATE, first ? FIRST_WARM_UP_SECONDS : WARM_UP_SECONDS, dir);
                first = false;
                Step measured = step(server, method, transport, COMMON_RATE, FIXED_SECONDS, dir);
                log(target, method, transport, round, "fixed", measured);
                fixed.put(method, measured);
                if (!measured.passed()) {
                    coolDown(server);
                }
                if (!transport.equals("tls")) {
                    clientRuns.add(clientRun(server, target, method, transport, round, CLIENT_WARM_UP_SECONDS));
                }
            }
            for (Method method : Method.values()) {
                cells.add(ladder(server, target, method, transport, round, fixed.get(method), dir));
            }
        }
        return cells;
    }

    /** bench/latency: per method, the microsecond client alone, its first warm-up as long as SIPp's on a fresh server (JIT compilation). */
    private static List<ClientRun> clientRunsAlone(Server server, Target target, int round, List<String> transports) throws Exception {
        List<ClientRun> runs = new ArrayList<>();
        for (String transport : transports.stream().sorted().toList()) { // "tcp" before "udp", as with SIPp
            for (Method method : Method.values()) {
                runs.add(clientRun(server, target, method, transport, round, runs.isEmpty() ? FIRST_WARM_UP_SECONDS : CLIENT_WARM_UP_SECONDS));
            }
        }
        return runs;
    }

    /** The microsecond client at {@link #COMMON_RATE}: {@code warmUpSeconds} not recorded, then {@link #FIXED_SECONDS}. */
    private static ClientRun clientRun(Server server, Target target, Method method, String transport, int round, int warmUpSeconds)
            throws Exception {
        int port = server.sipPort(transport);
        LatencyClient.run("127.0.0.1", port, transport, method.name(), COMMON_RATE, warmUpSeconds);
        LatencyClient.Result result = LatencyClient.run("127.0.0.1", port, transport, method.name(), COMMON_RATE, FIXED_SECONDS);
        System.err.printf(Locale.ROOT, "%s %s %s round %d microsecond client: %d calls/s, %s%n", target.label, method, transport, round,
                COMMON_RATE, result);
        if (result.failed() > 0) {
            coolDown(server);
        }
        return new ClientRun(target, method, transport, round, result);
    }

    /**
     * From {@link #LADDER_START} up by {@link #STEP_FACTOR} until a step fails, or down by it while they fail (not
     * below the fixed-rate step when that one passed: it counts as a step of the ladder), then {@link #BISECTIONS}
     * halvings of the gap between the highest passing and the lowest failing rate.
     */
    private static Cell ladder(Server server, Target target, Method method, String transport, int round, Step fixed, Path dir)
            throws Exception {
        Step best = fixed.passed() ? fixed : null;
        int passed = fixed.passed() ? fixed.rate() : 0;
        int failed = fixed.passed() ? 0 : fixed.rate();
        boolean capped = false;
        int start = fixed.passed() ? LADDER_START.get(transport) : roundTo(COMMON_RATE / STEP_FACTOR, 100);
        Step first = ladderStep(server, target, method, transport, round, start, dir);
        if (first.passed()) {
            passed = start;
            best = first;
            for (int rate = Math.min(MAX_RATE, roundTo(start * STEP_FACTOR, 100)); ; rate = Math.min(MAX_RATE, roundTo(rate * STEP_FACTOR, 100))) {
                if (rate <= passed) { // MAX_RATE passed
                    capped = true;
                    break;
                }
                Step step = ladderStep(server, target, method, transport, round, rate, dir);
                if (!step.passed()) {
                    failed = rate;
                    break;
                }
                passed = rate;
                best = step;
            }
        } else {
            failed = start;
            for (int rate = roundTo(start / STEP_FACTOR, 100); rate > passed && rate >= MIN_RATE; rate = roundTo(rate / STEP_FACTOR, 100)) {
                Step step = ladderStep(server, target, method, transport, round, rate, dir);
                if (step.passed()) {
                    passed = rate;
                    best = step;
                    break;
                }
                failed = rate;
            }
        }
        for (int i = 0; i < BISECTIONS && passed > 0 && failed > 0; i++) {
            int middle = roundTo((passed + failed) / 2.0, 50);
            if (middle <= passed || middle >= failed) {
                break;
            }
            Step step = ladderStep(server, target, method, transport, round, middle, dir);
            if (step.passed()) {
                passed = middle;
                best = step;
            } else {
                failed = middle;
            }
        }
        Step ceiling = best != null ? best : new Step(0, "none passed", 0, Latency.NONE, 0, 0, Double.NaN);
        return new Cell(target, method, transport, round, fixed, ceiling, capped);
    }

    private static Step ladderStep(Server server, Target target, Method method, String transport, int round, int rate, Path dir)
            throws Exception {
        Step step = step(server, method, transport, rate, STEP_SECONDS, dir);
        log(target, method, transport, round, "ladder", step);
        if (!step.passed()) {
            coolDown(server);
        }
        return step;
    }

    private static int roundTo(double rate, int unit) {
        return (int) Math.round(rate / unit) * unit;
    }

    private static void log(Target target, Method method, String transport, int round, String what, Step step) {
        System.err.printf(Locale.ROOT, "%s %s %s round %d %s: %d calls/s %s (%.1f s, p50/p90/p99 %.0f/%.0f/%.0f ms,"
                        + " server %.2f cores, SIPp %.2f cores%s)%n", target.label, method, transport, round, what, step.rate(),
                step.passed() ? "passed" : "FAILED: " + step.failure(), step.seconds(), step.latency().p50(), step.latency().p90(),
                step.latency().p99(), step.serverCores(), step.sippCores(),
                Double.isNaN(step.relayCores()) ? "" : String.format(Locale.ROOT, ", TLS relay %.2f cores", step.relayCores()));
    }

    /**
     * After an overload a server works through its backlog (retransmissions, transactions kept for 32 s) for a
     * while; the next step starts once it is idle again (below 10% of a core), or after a bound.
     */
    private static void coolDown(Server server) throws InterruptedException {
        for (int second = 0; second < COOL_DOWN_MAX_SECONDS; second++) {
            double before = server.cpuSeconds();
            Thread.sleep(1000);
            if (server.cpuSeconds() - before < 0.1) {
                return;
            }
        }
    }

    /** One step; when SIPp ends within a second (it could not start), once more on another port. */
    private static Step step(Server server, Method method, String transport, int rate, int seconds, Path dir) throws Exception {
        Step step = attempt(server, method, transport, rate, seconds, dir);
        if (!step.passed() && step.seconds() < 1.0) {
            step = attempt(server, method, transport, rate, seconds, dir);
        }
        return step;
    }

    private static Step attempt(Server server, Method method, String transport, int rate, int stepSeconds, Path dir) throws Exception {
        Path stepDir = Files.createTempDirectory(dir, "step-");
        int calls = rate * stepSeconds;
        List<String> command = List.of("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/" + method.scenario).toString(),
                "-s", "bench", "-m", String.valueOf(calls), "-r", String.valueOf(rate), "-l", String.valueOf(Math.max(200, rate)),
                "-t", "udp".equals(transport) ? "u1" : "t1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()),
                "-timeout", (stepSeconds * 3) + "s", "-timeout_error", "-nostdin",
                "-trace_rtt", "-rtt_freq", "1000", "127.0.0.1:" + server.sipPort(transport));
        double cpuBefore = server.cpuSeconds();
        double relayBefore = server.relayCpuSeconds();
        long start = System.nanoTime();
        Process sipp = new ProcessBuilder(command).directory(stepDir.toFile()).redirectErrorStream(true)
                .redirectOutput(stepDir.resolve("sipp.out").toFile()).start();
        // SIPp's own CPU, sampled while it runs: near 1.0 core at a ceiling means the load generator, not the target, is the limit.
        long limit = start + TimeUnit.SECONDS.toNanos(stepSeconds * 8L);
        double sippCpu = 0;
        double sampledAt = 0;
        boolean finished = false;
        while (!finished && System.nanoTime() < limit) {
            finished = sipp.waitFor(100, TimeUnit.MILLISECONDS);
            double sample = finished ? 0 : ProcessCpu.seconds(sipp.pid());
            if (sample > 0 && sample >= sippCpu) { // 0 once SIPp is gone
                sippCpu = sample;
                sampledAt = (System.nanoTime() - start) / 1e9;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = server.cpuSeconds() - cpuBefore;
        double relayCores = "tls".equals(transport) ? (server.relayCpuSeconds() - relayBefore) / seconds : Double.NaN;
        if (!finished) {
            sipp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (seconds < 1.0) {
            System.err.println("SIPp ended at once:\n" + Files.readString(stepDir.resolve("sipp.out")));
        }
        boolean keptPace = seconds <= stepSeconds * 1.1 + 0.3;
        double[] rtt = responseTimes(stepDir);
        Latency latency = new Latency(percentile(rtt, 0.50), percentile(rtt, 0.90), percentile(rtt, 0.99));
        String failure = !finished ? "SIPp did not finish" : sipp.exitValue() != 0 ? "failed calls (SIPp exit " + sipp.exitValue() + ")"
                : !keptPace ? "fell behind" : !(latency.p99() <= MAX_P99_MS) ? "p99 over " + (int) MAX_P99_MS + " ms" : "";
        return new Step(rate, failure, seconds, latency, cpu, sampledAt > 0 ? sippCpu / sampledAt : Double.NaN, relayCores);
    }

    /** SIPp's response times of one step (its trace files deleted: a line per call, megabytes per step); notes the clock's step. */
    private static double[] responseTimes(Path dir) throws IOException {
        double[] values = SippResponseTimes.read(dir, true);
        Arrays.stream(values).filter(v -> v > 0).min().ifPresent(v -> clockStep = Math.min(clockStep, v));
        return values;
    }

    private static double percentile(double[] sorted, double q) {
        return SippResponseTimes.percentile(sorted, q);
    }

    // ---- The report ----

    /** Median and range over rounds of each figure, and of each ratio taken within a round. */
    private record Report(List<Cell> cells, List<ClientRun> clientRuns, List<Target> targets, List<String> transports, int rounds) {

        String markdown() {
            StringBuilder out = new StringBuilder();
            medians(out);
            out.append("; a ratio is taken within each round, then summarised the same way.\n\n");
            rates(out);
            cpu(out);
            latency(out, "Response time at " + COMMON_RATE + " calls/s (ms)", Cell::fixed);
            latency(out, "Response time at each target's highest passing rate (ms)", Cell::ceiling);
            if (transports.contains("tcp")) {
                clientLatency(out);
            }
            perRound(out);
            method(out);
            return out.toString();
        }

        /** bench/latency's report: the microsecond client's table and what it measured. */
        String latencyOnlyMarkdown() {
            StringBuilder out = new StringBuilder();
            medians(out);
            out.append(".\n\n");
            clientLatency(out);
            targetsSentence(out, false);
            out.append(" Each round starts each target once (the first target changes from round to round) and, per transport (")
                    .append(String.join(", then ", clientRuns.stream().map(c -> c.transport().toUpperCase(Locale.ROOT)).distinct().sorted().toList()))
                    .append(") and method (MESSAGE, then OPTIONS), runs the microsecond client alone: a warm-up at ").append(COMMON_RATE)
                    .append(" calls/s (").append(FIRST_WARM_UP_SECONDS).append(" s for the server's first, ").append(CLIENT_WARM_UP_SECONDS)
                    .append(" s after), then ").append(FIXED_SECONDS).append(" s measured. ");
            clientSentence(out);
            out.append('\n');
            return out.toString();
        }

        private void medians(StringBuilder out) {
            out.append("Each figure: the median over ").append(rounds).append(rounds == 1 ? " round" : " rounds")
                    .append(rounds > 1 ? " (the mean of the middle two when even), with the range (lowest–highest) in brackets" : "");
        }

        private List<Cell> of(Target target, Method method, String transport) {
            return cells.stream().filter(c -> c.target() == target && c.method() == method && c.transport().equals(transport))
                    .sorted((a, b) -> Integer.compare(a.round(), b.round())).toList();
        }

        private boolean has(Target target) {
            return targets.contains(target);
        }

        private void rates(StringBuilder out) {
            out.append("#### Highest passing rate (calls/s)\n\n");
            header(out, "/");
            for (Method method : Method.values()) {
                for (String transport : transports) {
                    out.append("| ").append(method).append(" | ").append(transport);
                    for (Target target : targets) {
                        List<Cell> runs = of(target, method, transport);
                        out.append(" | ").append(spread(runs.stream().mapToDouble(c -> c.ceiling().rate()).toArray(), "%.0f"));
                        if (runs.stream().anyMatch(Cell::capped)) {
                            out.append(" (reached the cap, ").append(MAX_RATE).append(')');
                        }
                    }
                    ratios(out, method, transport, c -> c.ceiling().rate(), "%");
                    out.append(" |\n");
                }
            }
            out.append('\n');
        }

        private void cpu(StringBuilder out) {
            out.append("#### Server CPU per call at ").append(COMMON_RATE).append(" calls/s (µs; ratios: how many times the cost)\n\n");
            header(out, "÷");
            for (Method method : Method.values()) {
                for (String transport : transports) {
                    out.append("| ").append(method).append(" | ").append(transport);
                    for (Target target : targets) {
                        out.append(" | ").append(spread(of(target, method, transport).stream().mapToDouble(Cell::cpuMicrosPerCall).toArray(), "%.1f"));
                    }
                    ratios(out, method, transport, Cell::cpuMicrosPerCall, "×");
                    out.append(" |\n");
                }
            }
            out.append('\n');
        }

        private void latency(StringBuilder out, String title, java.util.function.Function<Cell, Step> which) {
            out.append("#### ").append(title).append("\n\n| method | transport | percentile");
            targets.forEach(t -> out.append(" | ").append(t.label));
            out.append(" |\n| --- | --- | ---").append(" | ---".repeat(targets.size())).append(" |\n");
            List<Map.Entry<String, ToDoubleFunction<Latency>>> percentiles = List.of(Map.entry("p50", Latency::p50),
                    Map.entry("p90", Latency::p90), Map.entry("p99", Latency::p99));
            for (Method method : Method.values()) {
                for (String transport : transports) {
                    for (Map.Entry<String, ToDoubleFunction<Latency>> p : percentiles) {
                        out.append("| ").append(method).append(" | ").append(transport).append(" | ").append(p.getKey());
                        for (Target target : targets) {
                            out.append(" | ").append(spread(of(target, method, transport).stream()
                                    .mapToDouble(c -> p.getValue().applyAsDouble(which.apply(c).latency())).toArray(), "%.0f"));
                        }
                        out.append(" |\n");
                    }
                }
            }
            out.append('\n');
        }

        private void clientLatency(StringBuilder out) {
            for (String transport : clientRuns.stream().map(ClientRun::transport).distinct().sorted().toList()) {
                clientLatency(out, transport);
            }
        }

        private void clientLatency(StringBuilder out, String transport) {
            out.append("#### Response time at ").append(COMMON_RATE).append(" calls/s over ").append(transport.toUpperCase(Locale.ROOT))
                    .append(", microsecond client (µs)\n\n").append("| method | figure");
            targets.forEach(t -> out.append(" | ").append(t.label));
            out.append(" |\n| --- | ---").append(" | ---".repeat(targets.size())).append(" |\n");
            List<Map.Entry<String, ToDoubleFunction<LatencyClient.Result>>> figures = List.of(
                    Map.entry("p50", r -> r.fromIntended().p50()), Map.entry("p90", r -> r.fromIntended().p90()),
                    Map.entry("p99", r -> r.fromIntended().p99()), Map.entry("p99.9", r -> r.fromIntended().p999()),
                    Map.entry("max", r -> r.fromIntended().max()), Map.entry("p50 from the write", r -> r.fromSent().p50()),
                    Map.entry("p99 from the write", r -> r.fromSent().p99()), Map.entry("failures", r -> r.failed()));
            for (Method method : Method.values()) {
                for (Map.Entry<String, ToDoubleFunction<LatencyClient.Result>> figure : figures) {
                    out.append("| ").append(method).append(" | ").append(figure.getKey());
                    for (Target target : targets) {
                        out.append(" | ").append(spread(clientRuns.stream()
                                .filter(c -> c.target() == target && c.method() == method && c.transport().equals(transport))
                                .mapToDouble(c -> figure.getValue().applyAsDouble(c.result())).toArray(), "%.0f"));
                    }
                    out.append(" |\n");
                }
            }
            out.append('\n');
        }

        private void clientSentence(StringBuilder out) {
            out.append("The microsecond client (`LatencyClient` in the benchmark sources) sends the same requests as SIPp over one")
                    .append(" TCP connection or one UDP socket (over UDP one datagram per request, never retransmitted: a loss is a")
                    .append(" failure), open loop: each request has an intended send time on a fixed schedule, kept whatever the")
                    .append(" server does, and its response time runs from that time (so a server that stalls the connection is not")
                    .append(" hidden), timed with `System.nanoTime` into an HdrHistogram; \"from the write\" runs from the actual write")
                    .append(" instead, leaving out the client's own lateness in waking up (tens of µs); a failure is a final answer")
                    .append(" other than 2xx or none ").append(LatencyClient.TIMEOUT_SECONDS).append(" s after the last send.");
        }

        private void perRound(StringBuilder out) {
            out.append("#### Per round\n\n| round | method | transport | target | highest passing rate | server / SIPp (/ TLS relay) CPU at it (cores)"
                    + " | CPU per call at ").append(COMMON_RATE).append(" (µs) | p50 / p90 / p99 at ").append(COMMON_RATE)
                    .append(" (ms) | p50 / p90 / p99 at the highest rate (ms) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for (int round = 1; round <= rounds; round++) {
                for (Method method : Method.values()) {
                    for (String transport : transports) {
                        for (Target target : targets) {
                            for (Cell c : of(target, method, transport)) {
                                if (c.round() != round) {
                                    continue;
                                }
                                out.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %d%s | %.2f / %.2f%s | %.1f | %s | %s |%n", round,
                                        method, transport, target.label, c.ceiling().rate(), c.capped() ? " (capped)" : "",
                                        c.ceiling().serverCores(), c.ceiling().sippCores(), Double.isNaN(c.ceiling().relayCores()) ? ""
                                                : String.format(Locale.ROOT, " / %.2f", c.ceiling().relayCores()), c.cpuMicrosPerCall(),
                                        percentiles(c.fixed().latency()), percentiles(c.ceiling().latency())));
                            }
                        }
                    }
                }
            }
            out.append('\n');
        }

        private static String percentiles(Latency l) {
            return String.format(Locale.ROOT, "%.0f / %.0f / %.0f", l.p50(), l.p90(), l.p99());
        }

        private void method(StringBuilder out) {
            targetsSentence(out, true);
            sippProcedure(out);
        }

        /** Who sends the calls ({@code bySipp}: SIPp, else the microsecond client alone) and to which targets. */
        private void targetsSentence(StringBuilder out, boolean bySipp) {
            out.append("One call = one request (MESSAGE or OPTIONS to `sip:bench@example.com`) answered 200, from ")
                    .append(bySipp ? "SIPp" : "the microsecond client").append(" on the same machine (")
                    .append(bySipp ? "" : "the requests of SIPp's ").append("`message-uac.xml`, `options-load-uac.xml`).")
                    .append(" Targets: **Switchboard** dispatching to the `ok` endpoint bean; the **bare servlet** answering 200 in")
                    .append(" the same container (both the real runner, ")
                    .append(HEAP).append(SERVER_OPTIONS.isBlank() ? "" : " " + SERVER_OPTIONS.trim()).append(");");
            if (has(Target.KAMAILIO)) {
                out.append(" **Kamailio** (Debian's `/usr/sbin/kamailio`) answering every request but ACK with `sl_send_reply(\"200\", \"OK\")`,")
                        .append(" only `sl.so` loaded, ").append(Kamailio.CHILDREN).append(" UDP receivers (`children`) and ")
                        .append(Kamailio.TCP_CHILDREN).append(" TCP workers (`tcp_children`), no DNS.")
                        .append(bySipp ? " Kamailio's CPU is summed over its main process and all its children." : "");
            } else {
                out.append(" Kamailio was not installed on this machine, so it is left out (`apt-get install -y kamailio`).");
            }
        }

        private void sippProcedure(StringBuilder out) {
            out.append(" Each round starts each target once (the first target changes from round to round) and, per transport (")
                    .append(String.join(", then ", transports.stream().map(t -> t.toUpperCase(Locale.ROOT)).toList()))
                    .append(") and method (MESSAGE, then OPTIONS): a warm-up at ").append(COMMON_RATE).append(" calls/s (")
                    .append(FIRST_WARM_UP_SECONDS).append(" s for the server's first, ").append(WARM_UP_SECONDS).append(" s after),")
                    .append(" then ").append(FIXED_SECONDS).append(" s measured at ").append(COMMON_RATE).append(" calls/s (server CPU,")
                    .append(" user + system from /proc, divided by the calls; response times). Then, after both methods' fixed-rate")
                    .append(" runs, each method's ladder: from ").append(LADDER_START.get("tcp")).append(" calls/s over TCP, ")
                    .append(LADDER_START.get("udp")).append(" over UDP, up by half (×").append(STEP_FACTOR)
                    .append(") until a step fails (or down by as much while they fail; the fixed-rate run counts as a passing step),")
                    .append(" then the gap between the highest pass and the lowest failure halved ").append(BISECTIONS)
                    .append(" times (up to ").append(MAX_RATE)
                    .append(" calls/s, the cap), so the lowest failing rate is at most about 13% above the highest passing one;")
                    .append(" each step is ").append(STEP_SECONDS)
                    .append(" s. A step passes when SIPp reports no failed call, keeps pace (at most 10% + 0.3 s over its nominal")
                    .append(" length) and the p99 response time is at most ").append((int) MAX_P99_MS).append(" ms; after a failed step")
                    .append(" the server is left to become idle (at most ").append(COOL_DOWN_MAX_SECONDS).append(" s). Response times")
                    .append(" are SIPp's (`-trace_rtt`); its clock is coarse: the smallest non-zero time it reported in this run was ")
                    .append(Double.isInfinite(clockStep) ? "none" : String.format(Locale.ROOT, "%.0f ms", clockStep))
                    .append(", so 0 means below that step. SIPp is single-threaded: where the per-round table shows it near")
                    .append(" 1.0 core at a target's highest rate, the load generator, not the target, set that limit; SIPp and the")
                    .append(" targets share this machine's cores. Over UDP the container keeps each")
                    .append(" answered request's transaction for 32 s, so the UDP OPTIONS runs of the two Java targets carry the MESSAGE")
                    .append(" runs' transactions; Kamailio, stateless, keeps none.");
            if (transports.contains("tcp") || transports.contains("udp")) {
                out.append(" Over TCP and UDP, after each method's fixed-rate SIPp run, the microsecond client sends the same ").append(COMMON_RATE)
                        .append(" calls/s for ").append(FIXED_SECONDS).append(" s (after ").append(CLIENT_WARM_UP_SECONDS)
                        .append(" s of its own warm-up, not recorded; over UDP its transactions too are kept 32 s, before the ladders). ");
                clientSentence(out);
            }
            if (transports.contains("tls")) {
                out.append(" **Over TLS** SIPp (built without TLS) sends over TCP to a relay, a second Kamailio with its tls module")
                        .append(" forwarding each request statelessly (`forward()`) over TLS to the target's TLS port, presenting a")
                        .append(" certificate of the test CA; the targets require it (`client-auth: need`; Kamailio `require_certificate`),")
                        .append(" so every call crosses a mutual-TLS connection, one long-lived connection per target (its handshake")
                        .append(" is not in the figures). The server's CPU is the target's alone; the relay's is in the per-round table,")
                        .append(" and its share of the two cores is not the target's. With TLS in the run, Kamailio as a target is")
                        .append(" started with its tls module and this fixture's routing prefix for every transport. Certificates: EC")
                        .append(" P-256 made at run time; the JDK's and OpenSSL's default suites.");
            }
            out.append('\n');
        }

        /** The pairs compared, where both ran: the first against the second. */
        private List<Target[]> pairs() {
            return Stream.of(new Target[] {Target.SWITCHBOARD, Target.BARE}, new Target[] {Target.SWITCHBOARD, Target.KAMAILIO},
                    new Target[] {Target.BARE, Target.KAMAILIO}).filter(p -> has(p[0]) && has(p[1])).toList();
        }

        private void header(StringBuilder out, String divided) {
            out.append("| method | transport");
            targets.forEach(t -> out.append(" | ").append(t.label));
            pairs().forEach(p -> out.append(" | ").append(p[0].label).append(' ').append(divided).append(' ').append(p[1].label));
            out.append(" |\n| --- | ---").append(" | ---".repeat(targets.size() + pairs().size())).append(" |\n");
        }

        private void ratios(StringBuilder out, Method method, String transport, ToDoubleFunction<Cell> figure, String unit) {
            pairs().forEach(p -> out.append(" | ").append(ratio(method, transport, p[0], p[1], figure, unit)));
        }

        /** Per round a / b, then median (range); "%": as a percentage, "×": as a multiple. */
        private String ratio(Method method, String transport, Target a, Target b, ToDoubleFunction<Cell> figure, String unit) {
            List<Cell> as = of(a, method, transport);
            List<Cell> bs = of(b, method, transport);
            double[] ratios = new double[Math.min(as.size(), bs.size())];
            for (int i = 0; i < ratios.length; i++) {
                double denominator = figure.applyAsDouble(bs.get(i));
                ratios[i] = denominator == 0 ? Double.NaN : figure.applyAsDouble(as.get(i)) / denominator;
            }
            return "%".equals(unit) ? spread(Arrays.stream(ratios).map(r -> 100 * r).toArray(), "%.0f%%") : spread(ratios, "%.2f×");
        }

        private String spread(double[] values, String format) {
            if (values.length == 0) {
                return "n/a";
            }
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            String m = String.format(Locale.ROOT, format, median);
            if (n == 1) {
                return m;
            }
            return m + " (" + String.format(Locale.ROOT, format, sorted[0]) + "–" + String.format(Locale.ROOT, format, sorted[n - 1]) + ")";
        }
    }
}
