package org.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Archives;
import org.switchboard.testing.Build;
import org.switchboard.testing.Health;
import org.switchboard.testing.LiveHeap;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Soak: one instance under steady mixed traffic for MINUTES (default 30), sampled once a minute. SIPp sends MESSAGEs
 * to an endpoint answering 200 (dispatch) and NOTIFYs from presentities never seen before to an endpoint handing
 * them to the platform's presence store (presence: every NOTIFY a new presentity, in the store's memory and the
 * database). Each minute: live heap after a full GC, the server's threads and open file descriptors, and the
 * presence updates accepted; and bridge traffic through a real Prosody ({@link SoakBridgeTraffic}): subscriptions both
 * ways over a stream of new users, each ended a minute later, with the bridged counts sampled too. Prints a Markdown table and, per series, flat or growing after the warm-up.
 */
public final class SoakBenchmark {

    private static final String HEAP = "-Xmx512m";
    private static final int MESSAGES_PER_SECOND = 50;
    private static final int NOTIFIES_PER_SECOND = 20;
    /** The presence store forgets a presentity offered nothing for this long (short, so that a run shows it). */
    private static final int FORGET_IDLE_SECONDS = 60;

    private SoakBenchmark() {
    }

    private record Sample(int minute, long heapBytes, long threads, long fds, long accepted, long outgoing, long incoming) {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path work = Files.createTempDirectory("soak-bench-");
        byte[] beans = Archives.jar(work.resolve("beans.jar"), Archives.beanJarEntries("org/switchboard/bench/beans"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-soak.war"), Map.of("beans.jar", beans));
        String yaml = """
                presence:
                  forget-idle-seconds: %d
                endpoints:
                  - {aor: "sip:ok@example.com", bean: ok}
                  - {aor: "sip:presence@example.com", bean: presence-offer}
                """.formatted(FORGET_IDLE_SECONDS);
        List<Sample> samples = new ArrayList<>();
        int[] exits;
        String bridgeSummary;
        try (SoakBridgeTraffic bridge = SoakBridgeTraffic.start(work.resolve("bridge"));
             RunningSwitchboard server = RunningSwitchboard.in(work.resolve("server")).arg("--war", war.toString()).jvmOption(HEAP)
                .configText(yaml + bridge.configSections() + AdminLogin.configSection()).launch()) {
            server.awaitReady();
            awaitBridgeConnected(server);
            samples.add(sample(server, 0));
            bridge.run(server.sipPort());
            long seconds = minutes * 60L;
            Process messages = sipp(server, work, "message-uac.xml", "ok", MESSAGES_PER_SECOND, seconds);
            Process notifies = sipp(server, work, "notify-new-presentity-uac.xml", "presence", NOTIFIES_PER_SECOND, seconds);
            try {
                long start = System.nanoTime();
                for (int minute = 1; minute <= minutes; minute++) {
                    long due = start + TimeUnit.MINUTES.toNanos(minute);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    Sample sample = sample(server, minute);
                    samples.add(sample);
                    System.err.printf(Locale.ROOT, "soak: minute %d: %.1f MB, %d threads, %d fds, %d accepted, bridged %d out / %d in; %s%n",
                            minute, sample.heapBytes() / 1048576.0, sample.threads(), sample.fds(), sample.accepted(), sample.outgoing(),
                            sample.incoming(), bridge.summary());
                }
                exits = new int[] {finish(messages), finish(notifies)};
                bridge.close();
                bridgeSummary = bridge.summary();
            } finally {
                messages.destroyForcibly();
                notifies.destroyForcibly();
            }
        }
        System.out.print(report(samples, minutes, exits, bridgeSummary));
        System.out.flush();
        // JAIN-SIP leaves its non-daemon event scanner threads behind after the SIP peer's stacks are stopped.
        System.exit(0);
    }

    private static Process sipp(RunningSwitchboard server, Path dir, String scenario, String service, int rate, long seconds)
            throws Exception {
        Path log = Files.createTempFile(dir, "sipp-" + service + "-", ".out");
        return new ProcessBuilder("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/" + scenario).toString(),
                "-s", service, "-r", String.valueOf(rate), "-m", String.valueOf(rate * seconds), "-t", "u1", "-i", "127.0.0.1",
                "-p", String.valueOf(FreePorts.udpAndTcp()), "-nostdin", "127.0.0.1:" + server.sipPort())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** SIPp's exit status once its calls are done: 0 when every request was answered 200. */
    private static int finish(Process sipp) throws InterruptedException {
        if (!sipp.waitFor(2, TimeUnit.MINUTES)) {
            sipp.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return sipp.exitValue();
    }

    private static Sample sample(RunningSwitchboard server, int minute) throws Exception {
        long pid = server.pid();
        long heap = LiveHeap.of(pid);
        long threads = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Threads:"))
                .mapToLong(l -> Long.parseLong(l.substring("Threads:".length()).trim())).findFirst().orElse(-1);
        long fds;
        try (Stream<Path> open = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = open.count();
        }
        JsonNode body = Health.detail(server);
        JsonNode bridge = body.path("bridge");
        return new Sample(minute, heap, threads, fds, body.get("presence").get("accepted").asLong(), bridge.path("outgoing").asLong(-1),
                bridge.path("incoming").asLong(-1));
    }

    /** Waits (bounded) until the bridge's component connection to Prosody is up, so the bridge traffic has somewhere to go. */
    private static void awaitBridgeConnected(RunningSwitchboard server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if ("CONNECTED".equals(Health.detail(server).path("bridge").path("state").asText())) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("the bridge did not connect to Prosody within 30 s");
    }

    private static String report(List<Sample> samples, int minutes, int[] exits, String bridgeSummary) {
        StringBuilder out = new StringBuilder("| minute | live heap (MB) | threads | open fds | presence updates accepted (new presentities) "
                + "| bridged subscriptions out / in |\n| --- | --- | --- | --- | --- | --- |\n");
        for (Sample s : samples) {
            out.append(String.format(Locale.ROOT, "| %d | %.1f | %d | %d | %,d | %d / %d |%n", s.minute(), s.heapBytes() / 1048576.0,
                    s.threads(), s.fds(), s.accepted(), s.outgoing(), s.incoming()));
        }
        int warmUp = Math.min(3, Math.max(1, minutes / 3));
        List<Sample> after = samples.stream().filter(s -> s.minute() >= warmUp).toList();
        out.append(String.format(Locale.ROOT, "%nAfter the warm-up (minutes %d to %d): live heap %s, threads %s, open file descriptors %s. "
                + "A series is flat when its least-squares slope, carried over those minutes, is under 10%% of its median "
                + "(heap) or under 2 (threads, file descriptors).%n",
                warmUp, minutes, verdict(after, Sample::heapBytes, 0.10, 0), verdict(after, Sample::threads, 0, 2),
                verdict(after, Sample::fds, 0, 2)));
        out.append(String.format(Locale.ROOT, "%nTraffic: SIPp over UDP, %d MESSAGEs/s to an endpoint answering 200 and %d NOTIFYs/s, each "
                + "from a presentity never seen before, to an endpoint handing them to the presence store (embedded H2 file); "
                + "`presence.forget-idle-seconds: %d`; server %s. SIPp exit status (0: every request answered 200): MESSAGE %d, "
                + "NOTIFY %d. Bridge, through a real Prosody and the JAIN-SIP presence peer, every %d s: an XMPP user follows a SIP "
                + "user never seen before (NOTIFY's note awaited in XMPP), a new SIP user watches an XMPP user (approved in XMPP, "
                + "NOTIFY active awaited), the XMPP user's new status awaited at the SIP watcher; each subscription ended by its "
                + "maker after %d s (XMPP unsubscribe, SIP Expires 0): %s. Live heap: a full GC through jcmd, the smaller of two "
                + "readings.%n",
                MESSAGES_PER_SECOND, NOTIFIES_PER_SECOND, FORGET_IDLE_SECONDS, HEAP, exits[0], exits[1],
                SoakBridgeTraffic.CYCLE.toSeconds(), SoakBridgeTraffic.LIFETIME.toSeconds(), bridgeSummary));
        return out.toString();
    }

    private static String verdict(List<Sample> series, java.util.function.ToLongFunction<Sample> value, double fraction, long absolute) {
        int n = series.size();
        if (n < 3) {
            return "too few readings";
        }
        double meanX = series.stream().mapToDouble(Sample::minute).average().orElse(0);
        double meanY = series.stream().mapToDouble(s -> value.applyAsLong(s)).average().orElse(0);
        double num = 0;
        double den = 0;
        for (Sample s : series) {
            num += (s.minute() - meanX) * (value.applyAsLong(s) - meanY);
            den += (s.minute() - meanX) * (s.minute() - meanX);
        }
        double slope = num / den;
        double over = slope * (series.get(n - 1).minute() - series.get(0).minute());
        long[] sorted = series.stream().mapToLong(value).sorted().toArray();
        double limit = Math.max(absolute, fraction * sorted[n / 2]);
        String change = fraction > 0 ? String.format(Locale.ROOT, "%+.1f MB", over / 1048576.0) : String.format(Locale.ROOT, "%+.1f", over);
        return (over < limit ? "flat" : "growing") + " (" + change + " by the slope)";
    }
}
