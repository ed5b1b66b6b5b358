package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Build;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Presence views through the real container against SIPp as the remote presence server, driven by the
 * shipped presence-monitor bean from configuration alone. States are read from the health JSON
 * ({@code presenceViews}: targets by state), presence from its {@code presence} counts.
 */
class PresenceViewsIT {

    private static final String SIPP = "/usr/bin/sipp";

    @TempDir
    Path work;

    private static String config(int peerPort, String transport, String extraMonitorSettings, String viewSettings) {
        return """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "sip:127.0.0.1:%d;transport=%s"
                presence:
                  views:
                %s
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings:
                      targets: ["sip:bob@example.com"]
                %s
                """.formatted(peerPort, transport, viewSettings.indent(4).stripTrailing(), extraMonitorSettings.indent(6).stripTrailing());
    }

    @Test
    void first_notify_is_delivered_the_refresh_keeps_the_call_id_and_a_rejection_is_final() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        Process sipp = sipp("presence-uas.xml", peerPort, "u1", "server");
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb"))
                .configText(config(peerPort, "udp", "", "expires-seconds: 60")).start()) {
            assertThat(sipp.waitFor(60, TimeUnit.SECONDS)).as("SIPp finished its one subscription").isTrue();
            assertThat(sipp.exitValue()).as("SIPp exit status (0: NOTIFYs answered 200, the refresh came in the same dialog)\n%s",
                    Files.readString(work.resolve("server.out"))).isZero();
            // The listener hears presence on the delivery threads: awaited, like the state.
            JsonNode health = awaitHealth(server, h -> h.path("presenceViews").path("TERMINATED").asLong() == 1
                    && h.path("presence").path("accepted").asLong() >= 1);
            assertThat(health.path("presence").path("accepted").asLong()).as("the first NOTIFY's presence reached the store").isEqualTo(1);
            assertThat(server.stderr() + server.stdout()).contains("SUBSCRIBED -> TERMINATING (NOTIFY terminated;reason=rejected)");
        }
    }

    @Test
    void a_notify_for_no_live_subscription_gets_481() throws Exception {
        int peerPort = FreePorts.udpAndTcp(); // nobody there: the view keeps retrying, which does not matter here
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb"))
                .configText(config(peerPort, "udp", "", "expires-seconds: 60")).start();
             SipClient client = SipClient.udp()) {
            Request notify = client.withToTag(client.requestTo(Request.NOTIFY, "sip:monitor@example.com", "bob", server.sipPort()), "no-such-dialog");
            client.withHeader(notify, "Event", "presence");
            client.withHeader(notify, "Subscription-State", "active;expires=60");
            Response response = client.send(notify, Duration.ofSeconds(10));
            assertThat(response.getStatusCode()).isEqualTo(481);
        }
    }

    @Test
    void a_peer_that_goes_away_is_found_by_a_forced_refresh_and_the_view_comes_back_when_it_returns() throws Exception {
        int peerPort = FreePorts.udpAndTcp();
        Process first = sipp("presence-accept-uas.xml", peerPort, "t1", "first");
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb")).configText(config(peerPort, "tcp",
                "periodic-refresh-seconds: 3", """
                        retry-delays-seconds: [1, 1]
                        retry-jitter: 0
                        reestablish-initial-seconds: 1
                        reestablish-max-seconds: 2""")).start()) {
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("the peer accepted and notified").isTrue();
            assertThat(first.exitValue()).isZero();
            awaitHealth(server, h -> h.path("presenceViews").path("SUBSCRIBED").asLong() == 1);

            // The peer is gone (SIPp ended). Nothing on the wire says so; the periodic forced refresh finds out.
            // After the configured retries (1 s, 1 s) it terminates; the re-establishment policy goes on trying.
            awaitHealth(server, h -> h.path("presenceViews").path("TERMINATED").asLong() == 1);

            Process second = sipp("presence-accept-uas.xml", peerPort, "t1", "second");
            try {
                assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the view subscribed again by itself").isTrue();
                assertThat(second.exitValue()).isZero();
                awaitHealth(server, h -> h.path("presenceViews").path("SUBSCRIBED").asLong() == 1);
            } finally {
                second.destroyForcibly();
            }
            String log = server.stderr() + server.stdout();
            log.lines().filter(line -> line.contains("Presence view ")).forEach(System.out::println);
            assertThat(log).contains("SUBSCRIBED -> WAITING_FOR_RETRY (refresh failed").contains("gave up after 2 retries")
                    // back by itself: the re-establishment timer or the periodic forced refresh, whichever fires first
                    .containsPattern("TERMINATED -> SUBSCRIBING \\((re-establishing after|forced refresh)");
        } finally {
            first.destroyForcibly();
        }
    }

    private Process sipp(String scenario, int port, String transport, String name) throws Exception {
        List<String> command = List.of(SIPP, "-sf", Build.basedir().resolve("src/test/resources/sipp/" + scenario).toString(),
                "-i", "127.0.0.1", "-p", String.valueOf(port), "-t", transport, "-m", "1", "-timeout", "60s", "-timeout_error",
                "-nostdin", "-trace_err");
        return new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".out").toFile()).start();
    }

    private static JsonNode awaitHealth(RunningSwitchboard server, Predicate<JsonNode> condition) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        JsonNode last = null;
        for (int i = 0; i < 600; i++) { // at most a minute: a dead peer over UDP shows only when the transaction times out
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.http("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            last = new ObjectMapper().readTree(response.body());
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the health JSON never met the condition; last: " + last + "\nlog:\n" + server.stderr());
    }
}
