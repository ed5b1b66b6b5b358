package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import javax.sip.RequestEvent;
import javax.sip.address.SipURI;
import javax.sip.header.RouteHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.RunningSwitchboard;

/**
 * With a Front End pool as the next hop, the requests endpoints send go to that pool (a loose Route),
 * while the Request-URI still names their target.
 */
class FrontEndNextHopIT {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    @TempDir
    Path work;

    @Test
    void a_request_an_endpoint_sends_goes_through_the_front_end_pools_next_hop() throws Exception {
        try (SipClient caller = SipClient.udp(); SipClient frontEnd = SipClient.udp()) {
            try (RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                    topology:
                      application-pool: pool-a
                      front-end-pool: fe1
                      front-end-pools:
                        - name: fe1
                          next-hop: "sip:127.0.0.1:%d;transport=udp"
                          users: ["sip:alice@example.com"]
                    endpoints:
                      - aor: sip:echo@example.com
                        bean: echo
                    """.formatted(frontEnd.port())).start()) {
                Request message = caller.withBody(caller.requestTo(Request.MESSAGE, "sip:echo@example.com", "carol", server.sipPort()),
                        "text", "plain", "hello");
                Response response = caller.send(message, ANSWER);
                assertThat(response.getStatusCode()).isEqualTo(200);

                RequestEvent event = frontEnd.awaitRequest(ANSWER);
                Request echoed = event.getRequest();
                assertThat(echoed.getMethod()).isEqualTo(Request.MESSAGE);
                SipURI target = (SipURI) echoed.getRequestURI();
                assertThat(target.getUser()).isEqualTo("carol");
                assertThat(target.getPort()).as("the Request-URI still names the caller").isEqualTo(caller.port());
                SipURI route = (SipURI) ((RouteHeader) echoed.getHeader(RouteHeader.NAME)).getAddress().getURI();
                assertThat(route.getPort()).isEqualTo(frontEnd.port());
                assertThat(route.hasLrParam()).isTrue();
                frontEnd.respond(event, 200);
            }
        }
    }
}
