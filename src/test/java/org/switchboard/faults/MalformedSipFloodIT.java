package org.switchboard.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.faults.MalformedSip.Kind;
import org.switchboard.faults.MalformedSip.Transport;
import org.switchboard.testing.LiveHeap;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Issue 10, fault suite: a flood of malformed SIP (bad headers, oversized headers and bodies, bad encodings, hostile
 * XML, truncated messages, random bytes) at a bounded rate over UDP and TCP, twice. Meanwhile SIPp keeps sending
 * OPTIONS keep-alives. Checked, each printed with what it compared: no keep-alive lost and their p99 within a
 * tolerance of the baseline's, during and after the flood; every kind of message answered the way the container and
 * Switchboard answer it alone (a 4xx where a reply is possible, see {@link MalformedSip}); the server alive; its live
 * heap, once the flood's transactions have expired, within a bound of the baseline, and not growing round over round.
 */
class MalformedSipFloodIT {

    /** Keep-alives a second during every measurement: steady and low, as a peer's keep-alive would be. */
    private static final int OPTIONS_UDP_RATE = 50;
    private static final int OPTIONS_TCP_RATE = 20;
    private static final int WARM_UP_SECONDS = 5;
    private static final int BASELINE_SECONDS = 10;
    /** Two rounds of this, so that the second shows whether what the first left behind grows. */
    private static final int FLOOD_SECONDS = 30;
    private static final int AFTER_SECONDS = 10;
    /**
     * The flood's rates: a few hundred messages a second, bounded so that the check measures the server's handling of
     * bad input, not its saturation (it dispatches thousands of good requests a second on this machine, BENCHMARKS.md).
     */
    private static final int FLOOD_UDP_RATE = 250;
    private static final int FLOOD_TCP_RATE = 30;
    private static final int HOSTILE_NOTIFY_RATE = 20;
    /**
     * Keep-alive p99 during and after the flood must stay within max(3 × baseline p99, baseline p99 + 400 ms). The
     * baseline p99 on loopback is a few ms and SIPp's clock is coarse (steps of a few ms), so a factor alone would fail
     * on noise. The margin is what a shared, loaded 2-core machine needs: the same flood measured p99 4 ms on a quiet
     * machine and up to 276 ms while other builds ran (load average ~15), so the neighbours, not the flood, set the
     * spread. 400 ms stays under T1 (500 ms): at p99 no keep-alive needed a retransmission, which is where a peer would
     * notice; a server falling behind its queue shows as retransmissions, seconds, or lost keep-alives (checked apart).
     */
    private static final double LATENCY_FACTOR = 3.0;
    private static final double LATENCY_MARGIN_MS = 400;
    /**
     * UDP server transactions live for Timer J (32 s) after their answer; waiting a little longer lets every one the
     * flood created expire before the heap is read.
     */
    private static final Duration TRANSACTIONS_EXPIRE = Duration.ofSeconds(35);
    /**
     * Live heap after the first round, over the baseline: class loading, JIT and the stack's pools fill once. 64 MB is
     * an eighth of the runner's -Xmx512m; a round's ~8,000 messages retained at even 8 KB each would exceed it.
     */
    private static final long FIRST_ROUND_HEAP_MARGIN = 64L << 20;
    /**
     * The second round may leave at most this more than the first: run-to-run noise of a full collection is a few MB;
     * a leak of 2 KB per message of the round (~8,000) would show as 16 MB.
     */
    private static final long SECOND_ROUND_HEAP_MARGIN = 16L << 20;

    @TempDir
    Path work;

    private final List<String> failures = new ArrayList<>();

    @Test
    void aFloodOfMalformedSipLeavesKeepAlivesOnTimeAndMemoryBounded() throws Exception {
        long began = System.nanoTime();
        try (HostilePresenceServer presenceServer = new HostilePresenceServer();
             RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                     endpoints:
                       - aor: sip:echo@example.com
                         bean: echo
                       - aor: sip:watcher@example.com
                         bean: presence-monitor
                         settings:
                           targets: ["%s"]
                     """.formatted(presenceServer.target())).start()) {
            presenceServer.awaitSubscription(Duration.ofSeconds(20));
            OptionsProbe.start(work, "warm-up", server.sipPort(), "u1", OPTIONS_UDP_RATE, WARM_UP_SECONDS).await();

            long heapBefore = LiveHeap.of(server.pid());
            Measured baseline = measure(server, "baseline", BASELINE_SECONDS, null);
            print("flood: heap before, live after a full GC: %s", mb(heapBefore));
            check(baseline.udp().failed() == 0 && baseline.tcp().failed() == 0, "no keep-alive lost at baseline: " + baseline);

            List<Long> heaps = new ArrayList<>();
            for (int round = 1; round <= 2; round++) {
                String name = "round " + round;
                Measured during = measure(server, name + " during flood", FLOOD_SECONDS, () -> flood(server, presenceServer, name));
                long floodEnded = System.nanoTime();
                compareLatency(baseline, during);
                Measured after = measure(server, name + " after flood", AFTER_SECONDS, null);
                compareLatency(baseline, after);
                check(server.isAlive(), name + ": the server process is alive");
                long wait = TRANSACTIONS_EXPIRE.toMillis() - (System.nanoTime() - floodEnded) / 1_000_000;
                Thread.sleep(Math.max(0, wait));
                long heap = LiveHeap.of(server.pid());
                heaps.add(heap);
                if (round == 1) {
                    check(heap <= heapBefore + FIRST_ROUND_HEAP_MARGIN, String.format(Locale.ROOT,
                            "%s: live heap %s after the transactions expired, baseline %s, bound baseline + %s",
                            name, mb(heap), mb(heapBefore), mb(FIRST_ROUND_HEAP_MARGIN)));
                } else {
                    check(heap <= heaps.get(0) + SECOND_ROUND_HEAP_MARGIN, String.format(Locale.ROOT,
                            "%s: live heap %s after the transactions expired, after round 1 %s, bound round 1 + %s (baseline %s)",
                            name, mb(heap), mb(heaps.get(0)), mb(SECOND_ROUND_HEAP_MARGIN), mb(heapBefore)));
                }
            }
            check(server.isAlive(), "the server process is alive at the end");
            List<String> threadDeaths = server.stderr().lines()
                    .filter(line -> line.startsWith("Exception in thread") && !line.contains("\"PipelineThread-"))
                    .distinct().toList();
            check(threadDeaths.isEmpty(), "no thread of the server died (besides the stack's per-connection parser threads"
                    + " ending on oversized TCP input): " + threadDeaths);
            check(!server.stderr().contains("OutOfMemoryError"), "no OutOfMemoryError in the server's output");
        }
        print("flood: the check took %d s", (System.nanoTime() - began) / 1_000_000_000);
        assertThat(failures).as("what differed").isEmpty();
    }

    private record Measured(OptionsProbe.Result udp, OptionsProbe.Result tcp) {
        @Override
        public String toString() {
            return udp + "; " + tcp;
        }
    }

    /** OPTIONS over UDP and TCP for {@code seconds}, with {@code load} running meanwhile when given. */
    private Measured measure(RunningSwitchboard server, String label, int seconds, ThrowingRunnable load) throws Exception {
        OptionsProbe udp = OptionsProbe.start(work, label + " UDP", server.sipPort(), "u1", OPTIONS_UDP_RATE, seconds);
        OptionsProbe tcp = OptionsProbe.start(work, label + " TCP", server.sipPort(), "t1", OPTIONS_TCP_RATE, seconds);
        if (load != null) {
            load.run();
        }
        Measured measured = new Measured(udp.await(), tcp.await());
        print("flood: %s", measured.udp());
        print("flood: %s", measured.tcp());
        if (!measured.udp().exitedCleanly() || measured.udp().failed() > 0) {
            print("flood: SIPp UDP output:%n%s", udp.output());
        }
        if (!measured.tcp().exitedCleanly() || measured.tcp().failed() > 0) {
            print("flood: SIPp TCP output:%n%s", tcp.output());
        }
        return measured;
    }

    private void compareLatency(Measured baseline, Measured now) {
        compareLatency(baseline.udp(), now.udp());
        compareLatency(baseline.tcp(), now.tcp());
    }

    private void compareLatency(OptionsProbe.Result baseline, OptionsProbe.Result now) {
        double base = baseline.percentile(0.99);
        double tolerance = Math.max(LATENCY_FACTOR * base, base + LATENCY_MARGIN_MS);
        double p99 = now.percentile(0.99);
        check(now.failed() == 0, String.format(Locale.ROOT, "%s: OPTIONS lost %d of %d", now.label(), now.failed(), now.calls()));
        check(p99 <= tolerance, String.format(Locale.ROOT, "%s: OPTIONS p99 baseline %.0f ms, now %.0f ms, tolerance %.0f ms",
                now.label(), base, p99, tolerance));
    }

    /** One round: the raw flood over UDP and TCP and hostile NOTIFYs in the presence view's dialog, then the answers checked. */
    private void flood(RunningSwitchboard server, HostilePresenceServer presenceServer, String round) throws Exception {
        List<Kind> kinds = MalformedSip.kinds();
        ExecutorService notifier = Executors.newSingleThreadExecutor();
        try (FloodSender sender = new FloodSender(kinds, server.sipPort())) {
            Future<?> notifies = notifier.submit(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(FLOOD_SECONDS).toNanos();
                for (long n = 0; System.nanoTime() < end; n++) {
                    presenceServer.notify(n % 2 == 0 ? "billion laughs" : "XXE",
                            n % 2 == 0 ? MalformedSip.BILLION_LAUGHS : MalformedSip.XXE, Duration.ofSeconds(5));
                    Thread.sleep(1000 / HOSTILE_NOTIFY_RATE);
                }
                return null;
            });
            sender.flood(FLOOD_UDP_RATE, FLOOD_TCP_RATE, Duration.ofSeconds(FLOOD_SECONDS));
            notifies.get();
            sender.drain(Duration.ofSeconds(3));

            for (Transport transport : Transport.values()) {
                for (Kind kind : kinds) {
                    Set<String> expected = kind.expected(transport);
                    if (expected.isEmpty()) {
                        continue;
                    }
                    long sent = sender.sent(transport, kind);
                    Map<String, Long> got = sender.outcomes(transport, kind);
                    boolean asExpected = sent > 0 && expected.containsAll(got.keySet());
                    check(asExpected, String.format(Locale.ROOT, "%s %s %s: sent %d, got %s, expected %s%s", round, transport,
                            kind.name(), sent, got, expected, kind.ideal().isEmpty() ? "" : " (ideal: " + kind.ideal() + ")"));
                }
            }
            check(sender.unattributed() == 0, round + ": UDP replies that name no message of the flood: " + sender.unattributed());
            print("flood: %s: the echo endpoint's MESSAGEs answered by the flood's socket: %d", round, sender.echoesAnswered());
            print("flood: %s: TCP connections so far from %s (no client port reused: port reuse is TcpTransportIT's)", round,
                    LocalPorts.CLIENTS.summary());
        } finally {
            notifier.shutdownNow();
        }
        Thread.sleep(1000); // the last NOTIFY's answer
        for (String kind : List.of("billion laughs", "XXE")) {
            long sent = presenceServer.sent(kind);
            Map<String, Long> got = presenceServer.answers(kind);
            // In the live subscription's dialog a NOTIFY is answered 200 whatever its body: the body is refused by the
            // hardened parser and dropped, and the subscription goes on (PresenceViewWireIT).
            check(got.keySet().equals(Set.of("200")), String.format(Locale.ROOT,
                    "%s UDP %s in NOTIFY of a live subscription: sent %d so far, got %s, expected [200]", round, kind, sent, got));
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private void check(boolean ok, String what) {
        print("flood: %s: %s", what, ok ? "ok" : "DIFFERS");
        if (!ok) {
            failures.add(what);
        }
    }

    private static void print(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
