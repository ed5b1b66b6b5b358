package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Readiness as a load balancer's probe sees it (issue 20): the keep-alive OPTIONS is answered 503 while the instance
 * drains before stopping, 200 otherwise; requests to endpoints are served throughout.
 */
class ReadinessIT {

    @TempDir
    Path work;

    @Test
    void on_sigterm_it_drains_answering_the_probe_503_and_still_serving_then_stops() throws Exception {
        try (RunningSwitchboard server = RunningSwitchboard.in(work.resolve("sb")).arg("--drain-seconds", "4")
                .configText("endpoints:\n  - {aor: \"sip:echo@example.com\", bean: echo}\n").start();
             SipClient client = SipClient.udp()) {
            assertThat(probe(client, server).getStatusCode()).isEqualTo(200);

            long asked = System.nanoTime();
            new ProcessBuilder("kill", "-TERM", String.valueOf(server.pid())).start().waitFor(5, TimeUnit.SECONDS);
            Response probe = null;
            for (int i = 0; i < 20; i++) { // the signal is handled within moments
                probe = probe(client, server);
                if (probe.getStatusCode() == 503) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(probe.getStatusCode()).isEqualTo(503);
            assertThat(probe.getReasonPhrase()).isEqualTo("Draining");
            assertThat(message(client, server).getStatusCode()).as("requests are still served while draining").isEqualTo(200);

            assertThat(server.awaitExit(Duration.ofSeconds(60))).isZero();
            double seconds = (System.nanoTime() - asked) / 1e9;
            assertThat(seconds).as("it drained before stopping").isGreaterThanOrEqualTo(4.0);
            assertThat(server.stdout()).contains("Switchboard draining for 4 s").contains("Switchboard stopped");
        }
    }

    private static Response probe(SipClient client, RunningSwitchboard server) throws Exception {
        return client.send(client.request(Request.OPTIONS, "sip:127.0.0.1:" + server.sipPort(), "probe"), Duration.ofSeconds(5));
    }

    private static Response message(SipClient client, RunningSwitchboard server) throws Exception {
        Request message = client.requestTo(Request.MESSAGE, "sip:echo@example.com", "carol", server.sipPort());
        client.withBody(message, "text", "plain", "hello");
        return client.send(message, Duration.ofSeconds(5));
    }
}
