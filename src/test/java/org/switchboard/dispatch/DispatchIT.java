package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.dispatch.DispatchWire.ANSWER;
import static org.switchboard.dispatch.DispatchWire.FROM_USER;
import static org.switchboard.dispatch.DispatchWire.answerEcho;
import static org.switchboard.dispatch.DispatchWire.gruuOf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import javax.sip.RequestEvent;
import javax.sip.address.SipURI;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.SwitchboardDeployment;
import org.switchboard.arquillian.sip.SipClient;

/**
 * Dispatch of incoming requests to endpoint beans (PRODUCT.md §B) through the real container, deployed by
 * the Arquillian adapter, from a JAIN-SIP peer: routing by Ms-Application-Aor, To (AOR, epid, GRUU) and
 * conversation id; the shipped beans. Requests are addressed to AORs in {@code example.com} and reach the
 * server through a loose Route to 127.0.0.1, so nothing is ever resolved. Which endpoint handled a request is
 * read from the GRUU in the Contact of its response. With a default routing endpoint: {@link DefaultRoutingIT};
 * restarts and refused configurations: {@link DispatchStartupIT}.
 */
@ExtendWith(ArquillianExtension.class)
class DispatchIT {

    /** Endpoints of every kind, and no default routing endpoint. */
    static final String ENDPOINTS = """
            endpoints:
              - name: echo-bot
                aor: sip:echo@example.com
                kind: application
                bean: echo
              - aor: sip:bot@example.com
                bean: echo
              - aor: sip:alice@example.com
                kind: user
                bean: echo
                epid: e1
              - aor: sip:alice@example.com
                kind: user
                bean: echo
                epid: e2
              - aor: sip:pool@example.com
                bean: echo
                instances: 2
              - aor: sip:busy@example.com
                bean: reject
                settings:
                  status: 603
                  reason: Not Today
              - aor: sip:closed@example.com
                bean: reject
            dispatch:
              conversation-idle-seconds: 600
              conversation-max-entries: 100000
            """;

    @Deployment(testable = false)
    public static WebArchive switchboardWithEndpointsOfEveryKind() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard(), ENDPOINTS);
    }

    @ArquillianResource
    DeployedSwitchboard server;

    private Request to(SipClient client, String method, String uri) throws Exception {
        return client.requestTo(method, uri, FROM_USER, server.sipPort());
    }

    private Request message(SipClient client, String uri, String body) throws Exception {
        return client.withBody(to(client, Request.MESSAGE, uri), "text", "plain", body);
    }

    @Test
    void a_request_to_the_aor_of_an_application_endpoint_is_answered_by_it() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response response = client.send(to(client, Request.OPTIONS, "sip:echo@example.com"), ANSWER);
            assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(200);
            gruuOf(client, response, "echo");
        }
    }

    @Test
    void a_request_to_the_aor_of_an_application_endpoint_over_tcp_is_answered_by_it() throws Exception {
        String overUdp;
        try (SipClient client = SipClient.udp()) {
            overUdp = gruuOf(client, client.send(to(client, Request.OPTIONS, "sip:echo@example.com"), ANSWER), "echo");
        }
        try (SipClient client = SipClient.tcp()) {
            Response response = client.send(to(client, Request.OPTIONS, "sip:echo@example.com"), ANSWER);
            assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(200);
            assertThat(gruuOf(client, response, "echo")).isEqualTo(overUdp);
        }
    }

    @Test
    void ms_application_aor_overrides_the_to_header() throws Exception {
        try (SipClient client = SipClient.udp()) {
            String echo = gruuOf(client, client.send(to(client, Request.OPTIONS, "sip:echo@example.com"), ANSWER), "echo");
            String bot = gruuOf(client, client.send(to(client, Request.OPTIONS, "sip:bot@example.com"), ANSWER), "bot");
            assertThat(bot).isNotEqualTo(echo);

            Request request = client.withHeader(to(client, Request.OPTIONS, "sip:echo@example.com"),
                    "Ms-Application-Aor", "<sip:bot@example.com>");
            Response response = client.send(request, ANSWER);
            assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(200);
            assertThat(gruuOf(client, response, "bot")).isEqualTo(bot);
        }
    }

    @Test
    void ms_application_aor_naming_nobody_is_404_even_when_to_names_an_endpoint() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Request request = client.withHeader(message(client, "sip:echo@example.com", "hello"),
                    "Ms-Application-Aor", "<sip:nobody@example.com>");
            Response response = client.send(request, ANSWER);
            assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(404);
            assertThat(response.getReasonPhrase()).isEqualTo("No matching endpoint");
        }
    }

    @Test
    void user_endpoints_are_told_apart_by_epid_and_by_gruu_and_the_bare_aor_is_ambiguous() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response toE2 = client.send(to(client, Request.OPTIONS, "sip:alice@example.com;epid=e2"), ANSWER);
            assertThat(toE2.getStatusCode()).as("response:%n%s", toE2).isEqualTo(200);
            String e2 = gruuOf(client, toE2, "alice");

            Response toE1 = client.send(to(client, Request.OPTIONS, "sip:alice@example.com;epid=e1"), ANSWER);
            assertThat(toE1.getStatusCode()).as("response:%n%s", toE1).isEqualTo(200);
            assertThat(gruuOf(client, toE1, "alice")).isNotEqualTo(e2);

            Response toGruu = client.send(to(client, Request.OPTIONS, e2), ANSWER);
            assertThat(toGruu.getStatusCode()).as("response:%n%s", toGruu).isEqualTo(200);
            assertThat(gruuOf(client, toGruu, "alice")).isEqualTo(e2);

            Response toAor = client.send(message(client, "sip:alice@example.com", "hello"), ANSWER);
            assertThat(toAor.getStatusCode()).as("response:%n%s", toAor).isEqualTo(485);
        }
    }

    @Test
    void a_conversation_id_leads_to_the_endpoint_that_already_handled_it() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response first = client.send(client.withHeader(message(client, "sip:bot@example.com", "first"),
                    "Ms-Conversation-ID", "conv-1"), ANSWER);
            assertThat(first.getStatusCode()).as("response:%n%s", first).isEqualTo(200);
            String bot = gruuOf(client, first, "bot");
            answerEcho(client);

            Response second = client.send(client.withHeader(message(client, "sip:nobody@example.com", "second"),
                    "Ms-Conversation-ID", "conv-1"), ANSWER);
            assertThat(second.getStatusCode()).as("response:%n%s", second).isEqualTo(200);
            assertThat(gruuOf(client, second, "bot")).isEqualTo(bot);
            answerEcho(client);
        }
    }

    @Test
    void a_conversation_id_picks_among_the_user_endpoints_of_an_ambiguous_aor() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response first = client.send(client.withHeader(message(client, "sip:alice@example.com;epid=e2", "first"),
                    "Ms-Conversation-ID", "conv-alice"), ANSWER);
            assertThat(first.getStatusCode()).as("response:%n%s", first).isEqualTo(200);
            String e2 = gruuOf(client, first, "alice");
            answerEcho(client);

            Response second = client.send(client.withHeader(message(client, "sip:alice@example.com", "second"),
                    "Ms-Conversation-ID", "conv-alice"), ANSWER);
            assertThat(second.getStatusCode()).as("the conversation singles out e2:%n%s", second).isEqualTo(200);
            assertThat(gruuOf(client, second, "alice")).isEqualTo(e2);
            answerEcho(client);

            Response unknown = client.send(client.withHeader(message(client, "sip:alice@example.com", "third"),
                    "Ms-Conversation-ID", "conv-of-nobody"), ANSWER);
            assertThat(unknown.getStatusCode()).as("response:%n%s", unknown).isEqualTo(485);
        }
    }

    @Test
    void a_request_matching_no_endpoint_is_404_no_matching_endpoint() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response response = client.send(message(client, "sip:nobody@example.com", "hello"), ANSWER);
            assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(404);
            assertThat(response.getReasonPhrase()).isEqualTo("No matching endpoint");
        }
    }

    @Test
    void an_in_dialog_request_matching_no_endpoint_is_481() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Request request = client.withToTag(message(client, "sip:nobody@example.com", "hello"), "xyz");
            Response response = client.send(request, ANSWER);
            assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(481);
        }
    }

    @Test
    void the_echo_endpoint_answers_200_and_sends_the_body_back_in_a_new_message() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Request request = message(client, "sip:echo@example.com", "hello");
            Response response = client.send(request, ANSWER);
            assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(200);
            String echo = gruuOf(client, response, "echo");

            RequestEvent event = client.awaitRequest(ANSWER);
            Request back = event.getRequest();
            assertThat(back.getMethod()).isEqualTo(Request.MESSAGE);
            assertThat(new String(back.getRawContent(), StandardCharsets.UTF_8)).isEqualTo("hello");
            ContentTypeHeader type = (ContentTypeHeader) back.getHeader(ContentTypeHeader.NAME);
            assertThat(type.getContentType() + "/" + type.getContentSubType()).isEqualToIgnoringCase("text/plain");

            SipURI from = (SipURI) ((FromHeader) back.getHeader(FromHeader.NAME)).getAddress().getURI();
            assertThat(from.getUser()).isEqualTo("echo");
            assertThat(from.getHost()).isEqualToIgnoringCase("example.com");
            assertThat(from.getParameter("gr")).isNull();

            SipURI to = (SipURI) ((ToHeader) back.getHeader(ToHeader.NAME)).getAddress().getURI();
            assertThat(to.getUser()).isEqualTo(FROM_USER);
            assertThat(to.getHost()).isEqualTo("127.0.0.1");
            assertThat(to.getPort()).isEqualTo(client.port());

            SipURI target = (SipURI) back.getRequestURI();
            assertThat(target.getUser()).isEqualTo(FROM_USER);
            assertThat(target.getPort()).isEqualTo(client.port());

            assertThat(gruuOf(client, back, "echo")).isEqualTo(echo);
            client.respond(event, 200);
        }
    }

    @Test
    void a_reject_endpoint_answers_its_configured_status_and_reason() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response busy = client.send(message(client, "sip:busy@example.com", "hello"), ANSWER);
            assertThat(busy.getStatusCode()).as("response:%n%s", busy).isEqualTo(603);
            assertThat(busy.getReasonPhrase()).isEqualTo("Not Today");
            gruuOf(client, busy, "busy");

            Response closed = client.send(message(client, "sip:closed@example.com", "hello"), ANSWER);
            assertThat(closed.getStatusCode()).as("default status of reject, response:%n%s", closed).isEqualTo(403);
            gruuOf(client, closed, "closed");
        }
    }

    @Test
    void an_application_pool_of_two_answers_round_robin_with_two_gruus() throws Exception {
        try (SipClient client = SipClient.udp()) {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Response response = client.send(to(client, Request.OPTIONS, "sip:pool@example.com"), ANSWER);
                assertThat(response.getStatusCode()).as("response:%n%s", response).isEqualTo(200);
                seen.add(gruuOf(client, response, "pool"));
            }
            assertThat(new HashSet<>(seen)).as("GRUUs seen: %s", seen).hasSize(2);
            assertThat(seen.get(0)).as("GRUUs seen: %s", seen).isNotEqualTo(seen.get(1));
            assertThat(seen.get(2)).as("GRUUs seen: %s", seen).isEqualTo(seen.get(0));
            assertThat(seen.get(3)).as("GRUUs seen: %s", seen).isEqualTo(seen.get(1));
        }
    }
}
