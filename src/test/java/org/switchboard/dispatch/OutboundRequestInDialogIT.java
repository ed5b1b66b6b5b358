package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Archives;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SippPeer;
import org.switchboard.testing.Stopping;

/**
 * A bean sends requests inside a dialog it is in, through the real container: a SIPp caller INVITEs the
 * "in-dialog" bean (from a jar added to the archive) and sends it a MESSAGE in that dialog; the bean sends a
 * MESSAGE back in the dialog and, once that is answered, a BYE carrying the answer it got.
 */
class OutboundRequestInDialogIT {

    @TempDir
    Path work;

    @Test
    void a_bean_talks_back_and_hangs_up_inside_the_dialog_and_is_refused_outside_any() throws Exception {
        byte[] jar = Archives.jar(work.resolve("in-dialog.jar"), Archives.beanJarEntries("org/switchboard/testing/beans/outbound"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-with-in-dialog.war"), Map.of("in-dialog.jar", jar));
        RunningSwitchboard server = null;
        SippPeer caller = null;
        try (SipClient client = SipClient.udp()) {
            server = RunningSwitchboard.in(work.resolve("sb")).arg("--war", war.toString()).configText("""
                    endpoints:
                      - aor: sip:in-dialog@example.com
                        bean: in-dialog
                    """).start();

            caller = SippPeer.start(work, "caller", "invite-in-dialog-uac.xml", FreePorts.udpAndTcp(), "-s", "in-dialog", "-m", "1",
                    "127.0.0.1:" + server.sipPort());
            assertThat(caller.awaitExit(Duration.ofSeconds(40))).as("the caller's scenario passed: %s", caller.describe()).isZero();
            assertThat(caller.logLines()).contains("MESSAGE body=still there?", "BYE X-Answer=200 OK");
            // inside the caller's dialog: To carries the caller's tag (SIPp's "[pid]C1"); Contact is the endpoint's GRUU
            assertThat(caller.lines("MESSAGE to=")).singleElement().asString().contains("sip:caller@127.0.0.1").containsPattern(";tag=\\d+C1\\b");
            assertThat(caller.lines("MESSAGE contact=")).singleElement().asString().contains("sip:in-dialog@example.com;gr=urn:uuid:");

            Response outside = client.send(client.withBody(client.requestTo(Request.MESSAGE, "sip:in-dialog@example.com", "carol",
                    server.sipPort()), "text", "plain", "hello"), Duration.ofSeconds(10));
            assertThat(outside.getStatusCode()).isEqualTo(488);
            assertThat(outside.getReasonPhrase()).contains("is not part of a dialog");
        } finally {
            Stopping.all(caller, server);
        }
    }
}
