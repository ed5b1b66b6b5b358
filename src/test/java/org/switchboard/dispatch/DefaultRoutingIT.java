package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.dispatch.DispatchWire.ANSWER;
import static org.switchboard.dispatch.DispatchWire.FROM_USER;
import static org.switchboard.dispatch.DispatchWire.answerEcho;
import static org.switchboard.dispatch.DispatchWire.gruuOf;

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

/** Dispatch with a forwarder as the default routing endpoint (PRODUCT.md §B), deployed by the Arquillian adapter. */
@ExtendWith(ArquillianExtension.class)
class DefaultRoutingIT {

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

    @Deployment(testable = false)
    public static WebArchive switchboardWithAForwarder() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard(), DEFAULT_ROUTING);
    }

    @ArquillianResource
    DeployedSwitchboard server;

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
