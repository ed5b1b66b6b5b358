package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sip.RequestEvent;
import javax.sip.address.SipURI;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Message;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.arquillian.sip.SipClient;

/**
 * Dispatch of incoming requests to endpoint beans (PRODUCT.md §B) through the real container, from a
 * JAIN-SIP peer. Requests are addressed to AORs in {@code example.com} and reach the server through a
 * loose Route to 127.0.0.1, so nothing is ever resolved. Which endpoint handled a request is read from
 * the GRUU in the Contact of its response.
 */
class DispatchIT {

    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final Duration STOP = Duration.ofSeconds(20);
    private static final String FROM_USER = "carol";

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

    /** A forwarder as the default routing endpoint, sending "Sales…" subjects to a rejecting endpoint. */
    static final String DEFAULT_ROUTING = """
            endpoints:
              - name: front-desk
                aor: sip:router@example.com
                bean: forwarder
                default-routing: true
                settings:
                  rules:
                    - header: Subject
                      pattern: "(?i)^sales"
                      target: sip:sales@example.com
              - aor: sip:sales@example.com
                bean: reject
                settings:
                  status: 486
            """;

    // ----------------------------------------------------------------------------------------------

    /** Routing by Ms-Application-Aor, To (AOR, epid, GRUU) and conversation id; the shipped beans. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutDefaultRouting {

        RunningSwitchboard server;

        @BeforeAll
        void start(@TempDir Path work) throws Exception {
            server = RunningSwitchboard.in(work).configText(ENDPOINTS).start();
        }

        @AfterAll
        void stop() throws Exception {
            if (server != null) {
                server.close();
            }
        }

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

    // ----------------------------------------------------------------------------------------------

    /** A forwarder as the default routing endpoint. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithDefaultRouting {

        RunningSwitchboard server;

        @BeforeAll
        void start(@TempDir Path work) throws Exception {
            server = RunningSwitchboard.in(work).configText(DEFAULT_ROUTING).start();
        }

        @AfterAll
        void stop() throws Exception {
            if (server != null) {
                server.close();
            }
        }

        private Request message(SipClient client, String uri, String subject) throws Exception {
            Request request = client.withBody(client.requestTo(Request.MESSAGE, uri, FROM_USER, server.sipPort()),
                    "text", "plain", "hello");
            if (subject != null) {
                client.withHeader(request, "Subject", subject);
            }
            return request;
        }

        @Test
        void a_request_for_nobody_with_a_matching_subject_is_forwarded_to_the_rule_target() throws Exception {
            try (SipClient client = SipClient.udp()) {
                Response direct = client.send(message(client, "sip:sales@example.com", null), ANSWER);
                assertThat(direct.getStatusCode()).as("response:%n%s", direct).isEqualTo(486);
                String sales = gruuOf(client, direct, "sales");

                Response forwarded = client.send(message(client, "sip:nobody@example.com", "Sales enquiry"), ANSWER);
                assertThat(forwarded.getStatusCode()).as("response:%n%s", forwarded).isEqualTo(486);
                assertThat(gruuOf(client, forwarded, "sales")).isEqualTo(sales);
            }
        }

        @Test
        void a_request_for_nobody_matching_no_rule_is_answered_404_by_the_forwarder() throws Exception {
            try (SipClient client = SipClient.udp()) {
                Response direct = client.send(message(client, "sip:router@example.com", null), ANSWER);
                assertThat(direct.getStatusCode()).as("response:%n%s", direct).isEqualTo(404);
                String forwarder = gruuOf(client, direct, "router");

                Response noSubject = client.send(message(client, "sip:nobody@example.com", null), ANSWER);
                assertThat(noSubject.getStatusCode()).as("response:%n%s", noSubject).isEqualTo(404);
                assertThat(noSubject.getReasonPhrase()).isEqualTo("No matching endpoint");
                assertThat(gruuOf(client, noSubject, "router")).isEqualTo(forwarder);

                Response otherSubject = client.send(message(client, "sip:nobody@example.com", "Support question"), ANSWER);
                assertThat(otherSubject.getStatusCode()).as("response:%n%s", otherSubject).isEqualTo(404);
                assertThat(gruuOf(client, otherSubject, "router")).isEqualTo(forwarder);
            }
        }
    }

    // ----------------------------------------------------------------------------------------------

    @Test
    void gruus_are_stable_across_a_restart_and_different_for_each_endpoint(@TempDir Path work) throws Exception {
        String config = """
                endpoints:
                  - aor: sip:echo@example.com
                    bean: echo
                  - aor: sip:alice@example.com
                    kind: user
                    bean: echo
                    epid: e1
                  - aor: sip:pool@example.com
                    bean: echo
                    instances: 2
                """;
        List<String> before;
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText(config).start()) {
            before = gruus(server.sipPort());
            assertThat(server.terminate(STOP)).isZero();
        }
        assertThat(new HashSet<>(before)).as("GRUUs: %s", before).hasSize(4);
        try (RunningSwitchboard again = RunningSwitchboard.in(work).configText(config).start()) {
            List<String> after = gruus(again.sipPort());
            assertThat(after.subList(0, 2)).isEqualTo(before.subList(0, 2));
            assertThat(after.subList(2, 4)).containsExactlyInAnyOrderElementsOf(before.subList(2, 4));
        }
    }

    /** The GRUUs of echo, alice;epid=e1 and the two pool instances (in the order first seen). */
    private static List<String> gruus(int sipPort) throws Exception {
        try (SipClient client = SipClient.udp()) {
            List<String> found = new ArrayList<>();
            found.add(gruuOf(client, client.send(client.requestTo(Request.OPTIONS, "sip:echo@example.com", FROM_USER, sipPort), ANSWER), "echo"));
            found.add(gruuOf(client, client.send(client.requestTo(Request.OPTIONS, "sip:alice@example.com;epid=e1", FROM_USER, sipPort), ANSWER), "alice"));
            Set<String> pool = new LinkedHashSet<>();
            for (int i = 0; i < 4; i++) {
                pool.add(gruuOf(client, client.send(client.requestTo(Request.OPTIONS, "sip:pool@example.com", FROM_USER, sipPort), ANSWER), "pool"));
            }
            assertThat(pool).as("pool GRUUs").hasSize(2);
            found.addAll(pool);
            return found;
        }
    }

    // ----------------------------------------------------------------------------------------------

    @Test
    void two_default_routing_endpoints_stop_start_up_naming_the_second(@TempDir Path work) throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                endpoints:
                  - name: first-desk
                    aor: sip:desk1@example.com
                    bean: reject
                    default-routing: true
                  - name: second-desk
                    aor: sip:desk2@example.com
                    bean: reject
                    default-routing: true
                """).launch();
        assertThat(server.awaitExit(Duration.ofSeconds(60))).as("stderr: %s", server.stderr()).isEqualTo(2);
        String error = server.stderr().strip();
        assertThat(error.lines()).hasSize(1);
        assertThat(error).contains(work.resolve("switchboard.yaml").toString()).contains("endpoints[1].default-routing");
        assertThat(server.stdout()).doesNotContain(" ready: ");
    }

    @Test
    void two_application_endpoints_with_the_same_aor_stop_start_up(@TempDir Path work) throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                endpoints:
                  - name: bot-one
                    aor: sip:bot@example.com
                    bean: echo
                  - name: bot-two
                    aor: sip:bot@example.com
                    bean: reject
                """).launch();
        assertThat(server.awaitExit(Duration.ofSeconds(60))).as("stderr: %s", server.stderr()).isEqualTo(2);
        String error = server.stderr().strip();
        assertThat(error.lines()).hasSize(1);
        assertThat(error).contains(work.resolve("switchboard.yaml").toString()).contains("endpoints[1].aor")
                .containsIgnoringCase("duplicate");
        assertThat(server.stdout()).doesNotContain(" ready: ");
    }

    // ----------------------------------------------------------------------------------------------

    /**
     * The GRUU in the Contact of {@code message}, checked to be {@code sip:<user>@example.com;gr=urn:uuid:…},
     * in a canonical form ({@code sip:user@host;gr=value}, host and value in lower case) fit for
     * comparison and usable as a To URI.
     */
    private static String gruuOf(SipClient client, Message message, String user) throws Exception {
        String contact = SipClient.contactUri(message);
        assertThat(contact).as("Contact of\n%s", message).isNotNull();
        SipURI uri = (SipURI) client.addresses().createURI(contact);
        assertThat(uri.getUser()).as("Contact user in\n%s", message).isEqualTo(user);
        assertThat(uri.getHost()).as("Contact host in\n%s", message).isEqualToIgnoringCase("example.com");
        String gr = uri.getParameter("gr");
        assertThat(gr).as("gr parameter of the Contact in\n%s", message).isNotNull()
                .matches("(?i)urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        return "sip:" + uri.getUser() + "@" + uri.getHost().toLowerCase(Locale.ROOT) + ";gr=" + gr.toLowerCase(Locale.ROOT);
    }

    /** Answers 200 to the MESSAGE an echo endpoint sends back. */
    private static void answerEcho(SipClient client) throws Exception {
        RequestEvent event = client.awaitRequest(ANSWER);
        assertThat(event.getRequest().getMethod()).isEqualTo(Request.MESSAGE);
        client.respond(event, 200);
    }
}
