package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.RequestEvent;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Archives;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SippPeer;
import org.switchboard.testing.Stopping;

/**
 * The answer to a request an endpoint sends comes back to its bean, through the real container: a bean
 * ("asker", from a jar added to the archive) sends a MESSAGE to a SIPp UAS and tells the test what its
 * {@code send()} stage completed with. Peers answer 200 (after a 180), 486, 408 of their own, or never; one
 * address refuses TCP. Every question is asked at once, so the container's 32-second transaction timeout is
 * waited for once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboundRequestAnswerIT {

    @TempDir
    static Path work;

    private SippPeer ok;
    private SippPeer busy;
    private SippPeer peerTimeout;
    private SippPeer silent;
    private String refusing;
    private RunningSwitchboard server;
    private SipClient client;
    /** What the bean reported, by the URI it asked. */
    private final Map<String, String> outcomes = new ConcurrentHashMap<>();

    private static String target(SippPeer peer) {
        return "sip:peer@127.0.0.1:" + peer.port();
    }

    @BeforeAll
    void askEveryPeerAtOnce() throws Exception {
        ok = SippPeer.start(work, "ok", "message-200-uas.xml", FreePorts.udpAndTcp());
        busy = SippPeer.start(work, "busy", "message-486-uas.xml", FreePorts.udpAndTcp());
        peerTimeout = SippPeer.start(work, "peer-408", "message-408-uas.xml", FreePorts.udpAndTcp());
        silent = SippPeer.start(work, "silent", "message-silent-uas.xml", FreePorts.udpAndTcp());
        refusing = "sip:peer@127.0.0.1:" + FreePorts.udpAndTcp() + ";transport=tcp"; // nothing listens there

        byte[] jar = Archives.jar(work.resolve("asker.jar"), Archives.beanJarEntries("org/switchboard/testing/beans/outbound"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-with-asker.war"), Map.of("asker.jar", jar));
        server = RunningSwitchboard.in(work.resolve("sb")).arg("--war", war.toString()).configText("""
                endpoints:
                  - aor: sip:asker@example.com
                    bean: asker
                """).start();
        client = SipClient.udp();

        Map<String, String> questions = Map.of("ok", target(ok), "busy", target(busy), "peer-408", target(peerTimeout),
                "silent", target(silent), "refusing", refusing);
        for (String uri : questions.values()) {
            Response accepted = client.send(client.withBody(client.requestTo(Request.MESSAGE, "sip:asker@example.com", "carol",
                    server.sipPort()), "text", "plain", uri), Duration.ofSeconds(10));
            assertThat(accepted.getStatusCode()).as("the asker takes the question for %s", uri).isEqualTo(202);
        }
        // The silent peer's answer is the container's transaction timeout (Timer F, 32 s); a margin for a busy machine.
        Instant deadline = Instant.now().plusSeconds(60);
        while (outcomes.size() < questions.size() && Instant.now().isBefore(deadline)) {
            RequestEvent report = client.awaitRequest(Duration.between(Instant.now(), deadline).plusMillis(1));
            client.respond(report, 200);
            String[] parts = new String(report.getRequest().getRawContent(), StandardCharsets.UTF_8).split(" -> ", 2);
            outcomes.put(parts[0], parts[1]);
        }
    }

    @AfterAll
    void stopEverything() throws Exception {
        Stopping.all(client, server, ok, busy, peerTimeout, silent);
    }

    @Test
    void a_200_completes_the_stage_with_status_reason_and_headers_after_the_provisional_response_was_heard() {
        assertThat(outcomes.get(target(ok))).isEqualTo("200 OK after [180] server=sipp-200");
    }

    @Test
    void a_486_completes_the_stage_normally_with_that_status() {
        assertThat(outcomes.get(target(busy))).isEqualTo("486 Busy Here after [180] server=sipp-486");
    }

    @Test
    void a_408_the_peer_sends_is_a_response_not_a_timeout() {
        assertThat(outcomes.get(target(peerTimeout))).isEqualTo("408 Request Timeout after [180] server=sipp-408");
    }

    @Test
    void a_peer_that_never_answers_completes_the_stage_exceptionally_with_the_containers_transaction_timeout() throws Exception {
        assertThat(silent.lines("MESSAGE ")).as("the question reached the silent peer").isNotEmpty();
        // "the transaction timed out": the container's own 408 ended the wait, not the fallback timer
        assertThat(outcomes.get(target(silent))).startsWith("TIMEOUT: No final response to MESSAGE from asker")
                .endsWith("the transaction timed out");
    }

    @Test
    void a_request_left_without_a_final_response_is_logged_even_if_its_bean_never_looks() throws Exception {
        assertThat(server.stdout() + server.stderr())
                .contains("No final response to MESSAGE from asker to " + target(silent) + ": the transaction timed out")
                .contains("Cannot send MESSAGE from asker to " + refusing);
    }

    @Test
    void a_request_that_cannot_be_sent_completes_the_stage_exceptionally_as_a_transport_failure() {
        assertThat(outcomes.get(refusing)).startsWith("TRANSPORT: Cannot send MESSAGE from asker");
    }
}
