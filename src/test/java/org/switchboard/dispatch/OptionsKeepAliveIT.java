package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import javax.sip.header.AllowHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.RunningSwitchboard;

/** OPTIONS through the real container, from a JAIN-SIP peer, over UDP and over TCP. */
class OptionsKeepAliveIT {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    @TempDir
    static Path work;

    static RunningSwitchboard server;

    @BeforeAll
    static void start() throws Exception {
        server = RunningSwitchboard.in(work).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private String target(String user) {
        return "sip:" + user + "@127.0.0.1:" + server.sipPort();
    }

    @Test
    void options_over_udp_is_answered_200_with_the_methods_allowed() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response response = client.send(client.request(Request.OPTIONS, target("ping"), "monitor"), ANSWER);
            assertThat(response.getStatusCode()).isEqualTo(200);
            AllowHeader allow = (AllowHeader) response.getHeader(AllowHeader.NAME);
            assertThat(allow).isNotNull();
            assertThat(response.toString()).contains("OPTIONS").contains("MESSAGE").contains("SUBSCRIBE");
        }
    }

    @Test
    void options_over_tcp_is_answered_200() throws Exception {
        try (SipClient client = SipClient.tcp()) {
            Response response = client.send(client.request(Request.OPTIONS, target("ping"), "monitor"), ANSWER);
            assertThat(response.getStatusCode()).isEqualTo(200);
        }
    }

    @Test
    void many_keep_alives_in_a_row_are_all_answered() throws Exception {
        try (SipClient client = SipClient.udp()) {
            for (int i = 0; i < 50; i++) {
                assertThat(client.send(client.request(Request.OPTIONS, target("ping" + i), "monitor"), ANSWER)
                        .getStatusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void a_request_for_nobody_is_answered_404_no_matching_endpoint() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Request message = client.request(Request.MESSAGE, target("nobody"), "alice");
            message.setContent("hello", client.headers().createContentTypeHeader("text", "plain"));
            Response response = client.send(message, ANSWER);
            assertThat(response.getStatusCode()).isEqualTo(404);
            assertThat(response.getReasonPhrase()).isEqualTo("No matching endpoint");
        }
    }
}
