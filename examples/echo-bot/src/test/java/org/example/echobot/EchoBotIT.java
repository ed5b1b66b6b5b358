package org.example.echobot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

@ExtendWith(ArquillianExtension.class)
class EchoBotIT {

    /** Switchboard plus a jar with the bean (and META-INF/beans.xml), bound to an AOR. */
    @Deployment(testable = false)
    public static WebArchive switchboardWithTheEchoBot() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.withBeans("echo-bot.jar", EchoBot.class), """
                endpoints:
                  - aor: sip:bot@example.com
                    bean: echo-bot
                """);
    }

    @ArquillianResource
    DeployedSwitchboard switchboard;

    @Test
    void the_bot_answers_a_message_with_its_text() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Request message = client.withBody(
                    client.requestTo(Request.MESSAGE, "sip:bot@example.com", "alice", switchboard),
                    "text", "plain", "hello");

            Response response = client.send(message, Duration.ofSeconds(10));

            assertThat(response.getStatusCode()).isEqualTo(200);
            assertThat(new String(response.getRawContent(), StandardCharsets.UTF_8)).isEqualTo("You said: hello");
            assertThat(SipClient.contactUri(response)).startsWith("sip:bot@example.com;gr=urn:uuid:");
        }
    }
}
