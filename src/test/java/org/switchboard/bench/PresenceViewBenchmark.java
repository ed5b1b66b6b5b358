package org.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.switchboard.testing.Build;
import org.switchboard.testing.FreePorts;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Presence views at scale: one instance with a presence-monitor watching N targets, SIPp as the presence
 * server (accepts each SUBSCRIBE, then sends five NOTIFYs in its dialog, each newer than the last).
 * Measures how long until every target is subscribed, NOTIFYs processed per second (each one parsed,
 * ordered and written to the H2 store), and heap per view (live heap after a full GC, minus the same
 * server with no targets, divided by N). Prints a Markdown table.
 */
public final class PresenceViewBenchmark {

    private static final int NOTIFYS_PER_TARGET = 5;
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private PresenceViewBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String arg : args.length == 0 ? new String[] {"1000", "10000"} : args) {
            sizes.add(Integer.parseInt(arg));
        }
        Path work = Files.createTempDirectory("view-bench-");
        StringBuilder out = new StringBuilder("| targets | all subscribed after (s) | NOTIFYs processed | NOTIFYs/s | live heap (MB) | heap per view (KB) |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        long baseline = run(work.resolve("baseline"), 0, out);
        for (int n : sizes) {
            long used = run(work.resolve("n" + n), n, null);
            out.append(String.format(Locale.ROOT, "| %,d | %.1f | %,d | %,.0f | %.0f | %.2f |%n", n, lastSubscribeSeconds, lastNotifies,
                    lastNotifyRate, used / 1024.0 / 1024.0, (used - baseline) / 1024.0 / n));
        }
        out.append(String.format(Locale.ROOT, "%nBaseline: the same server with a presence-monitor and no targets, %.0f MB live heap. "
                + "One JVM per size (-Xmx2g), SUBSCRIBEs paced at 2,000/s, SIPp on the same machine; heap read 35 s after the last NOTIFY, "
                + "once the SIP stack has let its UDP transactions go. Per view includes everything a subscription keeps: the view's state "
                + "machine, the container's SIP application session and dialog, and the newest presence document in the store's memory.%n", baseline / 1024.0 / 1024.0));
        System.out.print(out);
    }

    private static double lastSubscribeSeconds;
    private static long lastNotifies;
    private static double lastNotifyRate;

    private static long run(Path dir, int targets, StringBuilder unused) throws Exception {
        Files.createDirectories(dir);
        int peerPort = FreePorts.udpAndTcp();
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < targets; i++) {
            list.append(i == 0 ? "" : ", ").append("\"sip:user").append(i).append("@example.com\"");
        }
        Process sipp = null;
        if (targets > 0) {
            sipp = new ProcessBuilder("/usr/bin/sipp", "-sf", Build.basedir().resolve("src/test/resources/sipp/presence-bench-uas.xml").toString(),
                    "-i", "127.0.0.1", "-p", String.valueOf(peerPort), "-t", "u1", "-m", String.valueOf(targets), "-timeout", "600s",
                    "-nostdin", "-buff_size", "8388608").directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sipp.out").toFile()).start();
        }
        try (RunningSwitchboard server = RunningSwitchboard.in(dir).jvmOption("-Xmx2g").configText("""
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - {name: fe, next-hop: "sip:127.0.0.1:%d;transport=udp"}
                presence:
                  views: {bulk-subscribes-per-second: 2000}
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings:
                      targets: [%s]
                """.formatted(peerPort, list)).start()) {
            long start = System.nanoTime();
            long expected = (long) targets * NOTIFYS_PER_TARGET;
            double subscribedAt = 0;
            long firstNotifyAt = 0;
            long processed = 0;
            for (int i = 0; i < 6000 && targets > 0; i++) {
                JsonNode health = health(server);
                long subscribed = health.path("presenceViews").path("SUBSCRIBED").asLong();
                JsonNode p = health.path("presence");
                processed = p.path("accepted").asLong() + p.path("outOfOrder").asLong() + p.path("duplicates").asLong();
                if (processed > 0 && firstNotifyAt == 0) {
                    firstNotifyAt = System.nanoTime();
                }
                if (subscribed == targets && subscribedAt == 0) {
                    subscribedAt = (System.nanoTime() - start) / 1e9;
                }
                if (processed >= expected && subscribedAt > 0) {
                    break;
                }
                Thread.sleep(100);
            }
            if (targets > 0) {
                lastSubscribeSeconds = subscribedAt;
                lastNotifies = processed;
                lastNotifyRate = processed / ((System.nanoTime() - firstNotifyAt) / 1e9);
                System.err.printf(Locale.ROOT, "bench: %d targets: subscribed after %.1f s, %d NOTIFYs, %.0f/s%n", targets, subscribedAt,
                        processed, lastNotifyRate);
            }
            // UDP transactions (one per NOTIFY) live 32 s after their answer (Timer J): let them go first.
            Thread.sleep(35_000);
            return liveHeap(server.pid());
        } finally {
            if (sipp != null) {
                sipp.destroy();
                sipp.waitFor(10, TimeUnit.SECONDS);
                sipp.destroyForcibly();
            }
        }
    }

    private static JsonNode health(RunningSwitchboard server) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body());
    }

    /** Live heap after a full collection, in bytes, read with jcmd. */
    private static long liveHeap(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, String.valueOf(pid), "GC.run").redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
        String text = new String(info.getInputStream().readAllBytes());
        info.waitFor(60, TimeUnit.SECONDS);
        Matcher m = USED.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in jcmd output:\n" + text);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }
}
