package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.testing.Archives;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.arquillian.sip.SipClient;

/**
 * What a developer does to add an endpoint of their own: a jar with their bean and a
 * META-INF/beans.xml, added to the archive's WEB-INF/lib, bound to an AOR in the configuration.
 */
class CustomBeanIT {

    @TempDir
    Path work;

    @Test
    void a_bean_from_a_jar_added_to_the_archive_is_discovered_and_answers() throws Exception {
        byte[] jar = Archives.jar(work.resolve("greeter.jar"), Archives.beanJarEntries("org/switchboard/testing/beans"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-with-greeter.war"), Map.of("greeter.jar", jar));

        try (RunningSwitchboard server = RunningSwitchboard.in(work).arg("--war", war.toString()).configText("""
                endpoints:
                  - aor: sip:greeter@example.com
                    bean: greeter
                    settings: {greeting: "Hello from a custom bean"}
                  - aor: sip:broken@example.com
                    bean: failing
                """).start();
             SipClient client = SipClient.udp()) {
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
            assertThat(server.stderr()).contains("failing bean: a bug in MESSAGE handling")
                    .contains("at org.switchboard.testing.beans.FailingEndpoint.onRequest");
        }
    }
}
