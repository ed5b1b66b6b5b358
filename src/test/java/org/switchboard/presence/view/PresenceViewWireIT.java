package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Build;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Presence views on the wire, through the real container, against SIPp as the remote presence server:
 * 423 Interval Too Brief, the terminated reasons of RFC 6665, hostile NOTIFY bodies, and polling. The
 * shipped presence-monitor bean watches sip:bob@example.com from configuration alone; its SUBSCRIBEs reach
 * SIPp through the Front End pool's next hop. SIPp logs what it saw ({@code <log>} actions: each SUBSCRIBE
 * with its Call-ID, Expires and wall clock); the view's states come from the health JSON
 * ({@code presenceViews}), presence from its {@code presence} counts.
 */
class PresenceViewWireIT {

    /** Subscribed by the 200 or by the first NOTIFY, whichever the container hands over first. */
    private static final String SUBSCRIBED_BY_ANSWER_OR_NOTIFY = "SUBSCRIBING -> SUBSCRIBED \\((accepted 200|first NOTIFY)";

    private static final String SIPP = "/usr/bin/sipp";
    private static final String TARGET = "sip:bob@example.com";
    private static final Pattern SUBSCRIBE_LINE = Pattern.compile(
            "SUBSCRIBE call=(\\d+) sec=([0-9.]+) usec=([0-9.]+) expires=(\\d+) call-id=(\\S+)");
    private static final Pattern TERMINATING_LINE = Pattern.compile("TERMINATING call=(\\d+) sec=([0-9.]+) usec=([0-9.]+)");

    /**
     * At start-up the view's first SUBSCRIBE is refused inside the container (see the disabled test
     * {@code the_first_subscribe_at_start_up_...}); a short first retry delay without jitter keeps that to a
     * second in every test.
     */
    private static final String QUICK_RETRY = """
            retry-delays-seconds: [1]
            retry-jitter: 0""";

    @TempDir
    Path work;

    /** One SUBSCRIBE as SIPp saw it. */
    record Subscribe(int call, double at, long expires, String callId) {
    }

    /** A SIPp presence server, its log of {@code <log>} actions and its screen output. */
    record Sipp(Process process, Path log, Path out) {

        List<Subscribe> subscribes() throws IOException {
            List<Subscribe> seen = new ArrayList<>();
            for (String line : logLines()) {
                Matcher m = SUBSCRIBE_LINE.matcher(line);
                if (m.find()) {
                    seen.add(new Subscribe(Integer.parseInt(m.group(1)), seconds(m.group(2), m.group(3)), Long.parseLong(m.group(4)),
                            m.group(5)));
                }
            }
            return seen;
        }

        /** When SIPp sent its NOTIFY terminated (wall clock, seconds). */
        double terminatingNotifySentAt() throws IOException {
            for (String line : logLines()) {
                Matcher m = TERMINATING_LINE.matcher(line);
                if (m.find()) {
                    return seconds(m.group(2), m.group(3));
                }
            }
            throw new AssertionError("SIPp never sent its NOTIFY terminated\n" + describe());
        }

        /** Whether SIPp got a 200 to its NOTIFY terminated. */
        boolean terminatingNotifyAnswered200() throws IOException {
            return logLines().stream().anyMatch(line -> line.startsWith("TERMINATED call=1 answered 200"));
        }

        List<String> logLines() throws IOException {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        }

        String describe() throws IOException {
            return "SIPp log:\n" + String.join("\n", logLines()) + "\nSIPp output:\n" + (Files.exists(out) ? Files.readString(out) : "");
        }

        void finishedSuccessfully(int timeoutSeconds, RunningSwitchboard server) throws Exception {
            assertThat(process.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("SIPp finished its calls\n%s\nserver log:\n%s", describe(),
                    PresenceViewWireIT.log(server)).isTrue();
            assertThat(process.exitValue()).as("SIPp exit status (0: every call went as its scenario says)\n%s\nserver log:\n%s", describe(),
                    PresenceViewWireIT.log(server)).isZero();
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }

        private static double seconds(String sec, String usec) {
            return Double.parseDouble(sec) + Double.parseDouble(usec) / 1_000_000;
        }
    }

    private static String config(int peerPort, String monitorSettings, String viewSettings) {
        return """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "sip:127.0.0.1:%d;transport=udp"
                presence:
                  views:
                %s
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings:
                      targets: ["%s"]
                %s
                """.formatted(peerPort, viewSettings.indent(4).stripTrailing(), TARGET, monitorSettings.indent(6).stripTrailing());
    }

    @Test
    void a_423_is_answered_by_subscribing_again_with_min_expires_in_a_new_dialog() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        // Call 1 must ask for less than 7200 s (423), call 2 for exactly 7200 s (accepted): else SIPp fails.
        Sipp sipp = sipp("presence-423-uas.xml", peerPort, 2, "sipp");
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb"))
                .configText(config(peerPort, "", "expires-seconds: 60\n" + QUICK_RETRY)).start()) {
            sipp.finishedSuccessfully(30, server);
            JsonNode health = awaitHealth(server, h -> h.path("presenceViews").path("SUBSCRIBED").asLong() == 1
                    && h.path("presence").path("accepted").asLong() == 1);
            assertThat(health.path("presenceViews").size()).as("no target in any other state: %s", health).isEqualTo(1);

            List<Subscribe> subscribes = sipp.subscribes();
            assertThat(subscribes).as(sipp.describe()).extracting(Subscribe::expires).containsExactly(60L, 7200L);
            assertThat(subscribes.get(1).callId()).as("no dialog came of the refused SUBSCRIBE: the next one is a new Call-ID")
                    .isNotEqualTo(subscribes.get(0).callId());
            String log = log(server);
            String tooBrief = TARGET + ": 423 Interval Too Brief, asking again for Min-Expires 7200 s";
            assertThat(log).contains(tooBrief);
            // A 423 is no failure: asked again at once, no waiting for a retry.
            // The 200 or the first NOTIFY, whichever is handled first (RFC 6665 lets the NOTIFY overtake the 200).
            assertThat(log.substring(log.indexOf(tooBrief))).as(log).containsPattern(SUBSCRIBED_BY_ANSWER_OR_NOTIFY)
                    .doesNotContain("WAITING_FOR_RETRY");
        } finally {
            sipp.stop();
        }
    }

    /**
     * RFC 6665 §4.1.3: deactivated and timeout ask for a new subscription at once. The NOTIFY that says so
     * is answered 200 like any other, and a SUBSCRIBE with a new Call-ID follows at once (the bound on the
     * gap is loose; the state path, straight from Subscribed to Subscribing, is what tells "at once" from a
     * retry).
     */
    @ParameterizedTest(name = "terminated;reason={0}")
    @ValueSource(strings = {"deactivated", "timeout"})
    void a_notify_terminated_asking_for_a_new_subscription_at_once_is_answered_200_and_one_follows(String reason) throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        Sipp sipp = sipp("presence-terminate-uas.xml", peerPort, 2, "sipp", "-key", "terminated_reason", reason);
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb"))
                .configText(config(peerPort, "", "reestablish-initial-seconds: 30\n" + QUICK_RETRY)).start()) {
            double gap = resubscribed(sipp, server, reason);
            assertThat(gap).as("seconds from the NOTIFY terminated to the new SUBSCRIBE").isLessThan(2.0);
            assertThat(log(server)).contains("SUBSCRIBED -> SUBSCRIBING (NOTIFY terminated;reason=" + reason + ")")
                    .doesNotContain("WAITING_FOR_RETRY (NOTIFY");
        } finally {
            sipp.stop();
        }
    }

    /**
     * Probation with retry-after=2: wait that long, then subscribe again with a new Call-ID. The view's own
     * first retry delay is 1 s, so a view that ignored retry-after would come back too early.
     */
    @Test
    void a_notify_terminated_on_probation_is_followed_by_a_new_subscription_after_retry_after() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        String reason = "probation;retry-after=2";
        Sipp sipp = sipp("presence-terminate-uas.xml", peerPort, 2, "sipp", "-key", "terminated_reason", reason);
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb"))
                .configText(config(peerPort, "", "reestablish-initial-seconds: 30\n" + QUICK_RETRY)).start()) {
            double gap = resubscribed(sipp, server, reason);
            assertThat(gap).as("seconds from the NOTIFY terminated to the new SUBSCRIBE (retry-after=2)").isBetween(1.5, 10.0);
            assertThat(log(server)).contains("SUBSCRIBED -> WAITING_FOR_RETRY (NOTIFY terminated;reason=probation, again in 2 s)")
                    .contains("WAITING_FOR_RETRY -> SUBSCRIBING (retrying)");
        } finally {
            sipp.stop();
        }
    }

    /**
     * What a resubscription after a NOTIFY terminated looks like on the wire: SIPp ran both calls to their
     * end (call 2 exists only if a SUBSCRIBE with a new Call-ID came: one in call 1's dialog would reach
     * its dead call; and call 1 fails unless its NOTIFY terminated was answered 200); the view is
     * subscribed again and both NOTIFYs' presence reached the store. Returns the seconds from the NOTIFY
     * terminated to the new SUBSCRIBE, as SIPp saw them.
     */
    private static double resubscribed(Sipp sipp, RunningSwitchboard server, String reason) throws Exception {
        sipp.finishedSuccessfully(30, server);
        assertThat(sipp.terminatingNotifyAnswered200()).as(sipp.describe()).isTrue();
        JsonNode health = awaitHealth(server, h -> h.path("presenceViews").path("SUBSCRIBED").asLong() == 1
                && h.path("presence").path("accepted").asLong() == 2);
        assertThat(health.path("presenceViews").size()).as("no target in any other state: %s", health).isEqualTo(1);

        List<Subscribe> subscribes = sipp.subscribes();
        assertThat(subscribes).as(sipp.describe()).hasSize(2);
        assertThat(subscribes.get(1).callId()).as("a new dialog").isNotEqualTo(subscribes.get(0).callId());
        double gap = subscribes.get(1).at() - sipp.terminatingNotifySentAt();
        System.out.printf("terminated;reason=%s: new SUBSCRIBE %.3f s after the NOTIFY terminated%n", reason, gap);
        return gap;
    }

    /**
     * Noresource is final: no new SUBSCRIBE. The retry and re-establishment delays are 1 s here, so a view
     * that wrongly tried again would do it well inside the 4 s looked at.
     */
    @Test
    void a_notify_terminated_with_reason_noresource_is_final() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        // -m 2: a second SUBSCRIBE would run call 2 to its end and make SIPp exit.
        Sipp sipp = sipp("presence-terminate-uas.xml", peerPort, 2, "sipp", "-key", "terminated_reason", "noresource");
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb")).configText(config(peerPort, "", """
                reestablish-initial-seconds: 1
                reestablish-max-seconds: 1
                """ + QUICK_RETRY)).start()) {
            awaitHealth(server, h -> h.path("presenceViews").path("TERMINATED").asLong() == 1);

            assertThat(sipp.process().waitFor(4, TimeUnit.SECONDS)).as("SIPp saw no second subscription\n%s", sipp.describe()).isFalse();
            assertThat(sipp.terminatingNotifyAnswered200()).as(sipp.describe()).isTrue();
            assertThat(sipp.subscribes()).as(sipp.describe()).hasSize(1);
            JsonNode health = awaitHealth(server, h -> h.path("presence").path("accepted").asLong() >= 1); // heard on the delivery threads
            assertThat(health.path("presenceViews").path("TERMINATED").asLong()).as("%s", health).isEqualTo(1);
            assertThat(health.path("presenceViews").size()).as("no target in any other state: %s", health).isEqualTo(1);
            assertThat(health.path("presence").path("accepted").asLong()).as("the first NOTIFY's presence").isEqualTo(1);
            assertThat(log(server)).contains("SUBSCRIBED -> TERMINATING (NOTIFY terminated;reason=noresource)")
                    .contains("TERMINATING -> TERMINATED (NOTIFY terminated;reason=noresource (final))")
                    .doesNotContain("TERMINATED -> SUBSCRIBING");
        } finally {
            sipp.stop();
        }
    }

    /**
     * At start-up the view's first SUBSCRIBE goes out and reaches the presence server: it is not refused
     * inside the container and left to wait for a retry.
     */
    @Test
    void the_first_subscribe_at_start_up_reaches_the_presence_server_without_a_failure() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        Sipp sipp = sipp("presence-accept-uas.xml", peerPort, 1, "sipp");
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb")).configText(config(peerPort, "", "expires-seconds: 3600"))
                .start()) {
            sipp.finishedSuccessfully(30, server);
            awaitHealth(server, h -> h.path("presenceViews").path("SUBSCRIBED").asLong() == 1);
            assertThat(log(server)).containsPattern(SUBSCRIBED_BY_ANSWER_OR_NOTIFY)
                    .doesNotContain("Cannot send SUBSCRIBE").doesNotContain("SUBSCRIBE failed");
        } finally {
            sipp.stop();
        }
    }

    @Test
    void hostile_notify_bodies_are_answered_200_and_dropped_and_the_subscription_goes_on() throws Exception {
        String marker = "XXE-MARKER-" + UUID.randomUUID();
        Path secret = Files.writeString(work.resolve("secret.txt"), marker);
        String laughs = pidfWithDoctype(billionLaughs(), "&lol9;", "2026-11-21T09:10:00Z");
        String xxe = pidfWithDoctype("<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">", "&xxe;", "2026-11-21T09:20:00Z");

        int peerPort = FreePorts.udpAndTcp();
        Path sb = work.resolve("sb");
        Sipp sipp = sipp("presence-hostile-uas.xml", peerPort, 1, "sipp", "-key", "laughs_body", laughs, "-key", "xxe_body", xxe);
        try (RunningSwitchboard server = RunningSwitchboard.in(sb).configText(config(peerPort, "", QUICK_RETRY)).start()) {
            // Both hostile NOTIFYs handled (SIPp pauses 3 s before the last, good, NOTIFY): only the first good one counted.
            String refused = "Presence of " + TARGET + " refused, the subscription goes on";
            awaitLog(server, log -> occurrences(log, refused) == 2);
            JsonNode between = awaitHealth(server, h -> true);
            if (!sipp.logLines().contains("NOTIFY good-2 sending")) { // read before the last NOTIFY went out (the usual case)
                assertThat(between.path("presence").path("accepted").asLong()).as("the hostile bodies added nothing: %s", between)
                        .isEqualTo(1);
            }
            assertThat(between.path("presenceViews").path("SUBSCRIBED").asLong()).as("%s", between).isEqualTo(1);

            // Every NOTIFY, hostile or not, was answered 200 (else SIPp fails the call).
            sipp.finishedSuccessfully(30, server);
            JsonNode after = awaitHealth(server, h -> h.path("presence").path("accepted").asLong() >= 2);
            // Hostile bodies 09:10 and 09:20 are newer than the first good one (09:00): stored, they would have counted.
            assertThat(after.path("presence").path("accepted").asLong()).as("the first and the later good NOTIFY, and only they: %s", after)
                    .isEqualTo(2);
            assertThat(after.path("presenceViews").path("SUBSCRIBED").asLong()).as("%s", after).isEqualTo(1);
            assertThat(after.path("presenceViews").size()).as("no target in any other state: %s", after).isEqualTo(1);
            assertThat(after.path("presence").path("refused").asLong()).as("the health counts agree with the view's: %s", after)
                    .isEqualTo(2);

            String log = log(server);
            assertThat(log).doesNotContain(marker).doesNotContain("lollollol").doesNotContain("SUBSCRIBED -> ");
            assertThat(occurrences(log, refused)).isEqualTo(2);
        } finally {
            sipp.stop();
        }
        // The server has stopped: what it stored is the last good body, nothing of the hostile ones.
        String url = "jdbc:h2:file:" + sb.resolve("data/switchboard").toAbsolutePath() + ";IFEXISTS=TRUE";
        try (Connection db = DriverManager.getConnection(url, "sa", "");
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT presentity, document FROM presence_state")) {
            List<String> documents = new ArrayList<>();
            while (rs.next()) {
                assertThat(rs.getString("presentity")).isEqualTo(TARGET);
                documents.add(rs.getString("document"));
            }
            assertThat(documents).hasSize(1);
            assertThat(documents.get(0)).contains("2026-11-21T09:30:00Z").doesNotContain(marker).doesNotContain("DOCTYPE");
        }
    }

    @Test
    void polling_fetches_with_expires_0_in_a_new_dialog_every_interval_and_stores_each_body() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        // Every call must be a fetch (Expires: 0), else SIPp fails it; each NOTIFY carries a newer PIDF.
        Sipp sipp = sipp("presence-poll-uas.xml", peerPort, 3, "sipp");
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb"))
                .configText(config(peerPort, "mode: polling", "polling-interval-seconds: 2\n" + QUICK_RETRY)).start()) {
            sipp.finishedSuccessfully(30, server);
            JsonNode health = awaitHealth(server, h -> h.path("presence").path("accepted").asLong() >= 3);
            assertThat(health.path("presence").path("accepted").asLong()).as("each fetch's NOTIFY body was stored: %s", health).isEqualTo(3);
            assertThat(health.path("presenceViews").path("SUBSCRIBED").asLong()).as("%s", health).isEqualTo(1);

            List<Subscribe> subscribes = sipp.subscribes();
            assertThat(subscribes).as(sipp.describe()).hasSize(3).allSatisfy(s -> assertThat(s.expires()).isZero());
            assertThat(subscribes).extracting(Subscribe::callId).as("a new Call-ID for every fetch").doesNotHaveDuplicates();
            for (int i = 1; i < subscribes.size(); i++) {
                double gap = subscribes.get(i).at() - subscribes.get(i - 1).at();
                System.out.printf("polling: fetch %d came %.3f s after the one before%n", i + 1, gap);
                assertThat(gap).as("seconds between fetches %d and %d (interval 2 s)", i, i + 1).isBetween(1.5, 10.0);
            }
        } finally {
            sipp.stop();
        }
    }

    /** Nine levels of ten references each: 10^9 "lol"s if expanded. */
    private static String billionLaughs() {
        StringBuilder entities = new StringBuilder("<!ENTITY lol0 \"lol\">");
        for (int level = 1; level <= 9; level++) {
            entities.append("<!ENTITY lol").append(level).append(" \"").append(("&lol" + (level - 1) + ";").repeat(10)).append("\">");
        }
        return entities.toString();
    }

    private static String pidfWithDoctype(String internalSubset, String noteContent, String timestamp) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE presence [" + internalSubset + "]>"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"" + TARGET + "\"><tuple id=\"t1\"><status><basic>open</basic>"
                + "</status><note>" + noteContent + "</note><timestamp>" + timestamp + "</timestamp></tuple></presence>";
    }

    private static final Pattern IGNORED_REFRESH_LINE = Pattern.compile(
            "(SUBSCRIBE|REFRESH) call=(\\d+) sec=([0-9.]+) usec=([0-9.]+) .*call-id=(\\S+) granted=(\\d+)");

    /** A SUBSCRIBE or an in-dialog refresh as the presence server that ignores refreshes saw it. */
    record Seen(String kind, double at, String callId, int granted) {
    }

    /**
     * Issue 17: a presence server grants 60, 30 or 20 s, answers the SUBSCRIBE and sends its NOTIFY, then
     * never answers the in-dialog refresh. The subscription is gone at the server when the granted time
     * ends, so the view must leave SUBSCRIBED then (not when the stack's 32 s transaction timeout says so,
     * which is after the expiry for 30 and 20 s, and was never said at all for 60 s) and subscribe anew in
     * a new dialog after its retry delay (1 s here). One SIPp and one view watch the three targets at once.
     */
    @Test
    void a_refresh_not_answered_before_the_subscription_expires_ends_in_waiting_for_retry_and_a_new_dialog() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        List<Integer> granted = List.of(60, 30, 20);
        Sipp sipp = sipp("presence-ignore-refresh-uas.xml", peerPort, 100, "sipp", "-timeout", "150s");
        String config = """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "sip:127.0.0.1:%d;transport=udp"
                presence:
                  views:
                    expires-seconds: 3600
                    retry-delays-seconds: [1]
                    retry-jitter: 0
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings:
                      targets: ["sip:e60@example.com", "sip:e30@example.com", "sip:e20@example.com"]
                """.formatted(peerPort);
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb")).configText(config).start()) {
            for (int i = 0; i < 1000 && !everyTargetSubscribedAnew(sipp, granted); i++) { // at most 100 s
                Thread.sleep(100);
            }
            String log = log(server);
            for (int seconds : granted) {
                List<Seen> seen = seenFor(sipp, seconds);
                assertThat(seen).as("e%d: SUBSCRIBE, refresh, SUBSCRIBE in a new dialog\n%s", seconds, sipp.describe()).hasSizeGreaterThanOrEqualTo(3);
                Seen first = seen.get(0);
                Seen refresh = seen.get(1);
                Seen again = seen.get(2);
                assertThat(first.kind()).isEqualTo("SUBSCRIBE");
                assertThat(refresh.kind()).as("e%d", seconds).isEqualTo("REFRESH");
                assertThat(refresh.callId()).isEqualTo(first.callId());
                assertThat(again.kind()).as("e%d", seconds).isEqualTo("SUBSCRIBE");
                assertThat(again.callId()).as("e%d: a new dialog", seconds).isNotEqualTo(first.callId());
                double gap = again.at() - first.at();
                System.out.printf("granted %d s: refresh after %.3f s, new SUBSCRIBE %.3f s after the first%n", seconds,
                        refresh.at() - first.at(), gap);
                // Expired at the granted time after the 200 (a little after the SUBSCRIBE), then the 1 s retry delay.
                assertThat(gap).as("e%d: seconds from the first SUBSCRIBE to the one in a new dialog\n%s", seconds, log)
                        .isBetween((double) seconds, seconds + 4.0);
                assertThat(log).as("e%d", seconds).contains("sip:e" + seconds + "@example.com: SUBSCRIBED -> WAITING_FOR_RETRY (refresh failed: 408");
            }
        } finally {
            sipp.stop();
        }
    }

    private static boolean everyTargetSubscribedAnew(Sipp sipp, List<Integer> granted) throws IOException {
        for (int seconds : granted) {
            if (seenFor(sipp, seconds).size() < 3) {
                return false;
            }
        }
        return true;
    }

    private static List<Seen> seenFor(Sipp sipp, int granted) throws IOException {
        List<Seen> seen = new ArrayList<>();
        for (String line : sipp.logLines()) {
            Matcher m = IGNORED_REFRESH_LINE.matcher(line);
            if (m.find() && Integer.parseInt(m.group(6)) == granted) {
                seen.add(new Seen(m.group(1), Double.parseDouble(m.group(3)) + Double.parseDouble(m.group(4)) / 1_000_000, m.group(5),
                        granted));
            }
        }
        return seen;
    }

    private Sipp sipp(String scenario, int port, int calls, String name, String... extra) throws IOException {
        Path log = work.resolve(name + ".log");
        Path out = work.resolve(name + ".out");
        List<String> command = new ArrayList<>(List.of(SIPP, "-sf", Build.basedir().resolve("src/test/resources/sipp/" + scenario).toString(),
                "-i", "127.0.0.1", "-p", String.valueOf(port), "-t", "u1", "-m", String.valueOf(calls), "-timeout", "60s",
                "-timeout_error", "-nostdin", "-trace_err", "-trace_logs", "-log_file", log.toString()));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new Sipp(process, log, out);
    }

    private static String log(RunningSwitchboard server) throws IOException {
        return server.stderr() + server.stdout();
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    private static void awaitLog(RunningSwitchboard server, Predicate<String> condition) throws Exception {
        for (int i = 0; i < 300; i++) { // at most 30 s
            if (condition.test(log(server))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the server log never met the condition:\n" + log(server));
    }

    private static JsonNode awaitHealth(RunningSwitchboard server, Predicate<JsonNode> condition) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        JsonNode last = null;
        for (int i = 0; i < 300; i++) { // at most 30 s
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.http("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            last = new ObjectMapper().readTree(response.body());
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the health JSON never met the condition; last: " + last + "\nlog:\n" + log(server));
    }
}
