package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.switchboard.testing.beans.GreeterEndpoint;

/**
 * What a developer does to add an endpoint of their own: a jar with their bean and a
 * META-INF/beans.xml, added to the archive's WEB-INF/lib, bound to an AOR in the configuration —
 * deployed through the Arquillian adapter, as a user's test does.
 */
@ExtendWith(ArquillianExtension.class)
class CustomBeanIT {

    @Deployment(testable = false)
    public static WebArchive switchboardWithTheGreeter() {
        return SwitchboardDeployment.configuration(
                SwitchboardDeployment.withBeanPackages("greeter.jar", GreeterEndpoint.class.getPackage()), """
                endpoints:
                  - aor: sip:greeter@example.com
                    bean: greeter
                    settings: {greeting: "Hello from a custom bean"}
                  - aor: sip:broken@example.com
                    bean: failing
                """);
    }

    @ArquillianResource
    DeployedSwitchboard server;

    @ArquillianResource
    URL application;

    @Test
    void a_bean_from_a_jar_added_to_the_archive_is_discovered_and_answers() throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response response = client.send(client.requestTo(Request.MESSAGE, "sip:greeter@example.com", "carol",
                    server.sipPort()), Duration.ofSeconds(10));
            assertThat(response.getStatusCode()).isEqualTo(200);
            assertThat(new String(response.getRawContent(), StandardCharsets.UTF_8))
                    .isEqualTo("Hello from a custom bean (sip:greeter@example.com)");
            assertThat(SipClient.contactUri(response)).startsWith("sip:greeter@example.com;gr=urn:uuid:");

            // A bean that throws: 500 with a short reason, and the exception logged with its stack trace.
            Response failed = client.send(client.requestTo(Request.MESSAGE, "sip:broken@example.com", "carol",
                    server.sipPort()), Duration.ofSeconds(10));
            assertThat(failed.getStatusCode()).isEqualTo(500);
            assertThat(failed.getReasonPhrase()).isEqualTo("Endpoint failed");
            assertThat(server.log()).contains("failing bean: a bug in MESSAGE handling")
                    .contains("at org.switchboard.testing.beans.FailingEndpoint.onRequest");
        }
    }

    @Test
    void the_url_resource_is_the_applications_context_and_its_health_answers_there() throws Exception {
        assertThat(application.toString()).isEqualTo(server.httpBaseUrl().toString()).endsWith("/switchboard/");

        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(application.toURI().resolve("health")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"up\"");
    }
}
