package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sip.RequestEvent;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Archives;
import org.switchboard.testing.Kamailio;
import org.switchboard.testing.KamailioTls;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.Stopping;
import org.switchboard.testing.TestCertificates;

/**
 * Requests an endpoint sends to a {@code ;transport=tls} target, through the real runner: they go over TLS with the
 * peer's certificate checked against the truststore and its name against the target host. A peer whose certificate
 * the trusted CA signed but for another name gets nothing (no plain-text retry); the bean learns the request failed,
 * and the log says why. The bean ("asker", from OutboundRequestAnswerIT) reports each outcome back in a MESSAGE.
 */
class OutgoingTlsIT {

    private static final Duration ANSWER = Duration.ofSeconds(20);
    /** A failure the container only reports when the transaction times out would take 32 s; a margin for a busy machine. */
    private static final Duration REPORT = Duration.ofSeconds(60);

    @TempDir
    static Path work;
    private static TestCertificates certificates;
    private static RunningSwitchboard server;
    private static SipClient sender;
    private static SipClient rightName;
    private static SipClient wrongName;

    @BeforeAll
    static void start() throws Exception {
        certificates = TestCertificates.in(work.resolve("certificates"));
        Path keystore = certificates.server("switchboard");
        rightName = SipClient.tls(certificates.clientStackProperties(certificates.server("peer")));
        wrongName = SipClient.tls(certificates.clientStackProperties(certificates.signed("impostor", "dns:wrong.example", "-1d", 30)));
        byte[] jar = Archives.jar(work.resolve("asker.jar"), Archives.beanJarEntries("org/switchboard/testing/beans/outbound"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-with-asker.war"), Map.of("asker.jar", jar));
        server = RunningSwitchboard.in(work.resolve("sb")).arg("--war", war.toString()).configText("""
                server:
                  sip-transports: [udp, tcp, tls]
                  sip-tls-port: %d
                  tls:
                    keystore: "%s"
                    keystore-password: %s
                    truststore: "%s"
                    truststore-password: %s
                endpoints:
                  - aor: sip:asker@example.com
                    bean: asker
                """.formatted(FreePorts.udpAndTcp(), keystore, TestCertificates.PASSWORD, certificates.truststore(),
                TestCertificates.PASSWORD)).start();
        sender = SipClient.udp();
    }

    @AfterAll
    static void stop() throws Exception {
        Stopping.all(sender, rightName, wrongName, server);
    }

    /** Asks the asker to send a MESSAGE to {@code target}; returns what it reports ("URI -> outcome"). */
    private static String ask(String target) throws Exception {
        Response accepted = sender.send(sender.withBody(sender.requestTo(Request.MESSAGE, "sip:asker@example.com", "carol",
                server.sipPort()), "text", "plain", target), ANSWER);
        assertThat(accepted.getStatusCode()).isEqualTo(202);
        RequestEvent report;
        try {
            report = sender.awaitRequest(REPORT);
        } catch (AssertionError e) {
            throw new AssertionError("no report from the asker; the server's log:\n" + server.stderr(), e);
        }
        sender.respond(report, 200);
        return new String(report.getRequest().getRawContent(), StandardCharsets.UTF_8);
    }

    private static String tlsTarget(SipClient peer) {
        return "sip:peer@127.0.0.1:" + peer.port() + ";transport=tls";
    }

    @Test
    void a_request_to_a_tls_peer_whose_certificate_names_its_host_goes_over_tls_and_is_answered() throws Exception {
        Thread answering = new Thread(() -> {
            try {
                RequestEvent event = rightName.awaitRequest(ANSWER);
                rightName.respond(event, 200);
            } catch (Exception e) {
                // the assertion on the outcome below says what went wrong
            }
        });
        answering.start();
        assertThat(ask(tlsTarget(rightName))).isEqualTo(tlsTarget(rightName) + " -> 200 OK after [] server=");
        answering.join();
    }

    @Test
    void a_tls_peer_whose_certificate_names_another_host_gets_nothing_and_the_bean_learns_it_failed() throws Exception {
        String outcome = ask(tlsTarget(wrongName));
        assertThat(outcome).startsWith(tlsTarget(wrongName) + " -> TRANSPORT: Cannot send MESSAGE from asker");
        assertThatThrownBy(() -> wrongName.awaitRequest(Duration.ofSeconds(2))).isInstanceOf(AssertionError.class);
        assertThat(server.stderr()).containsPattern("WARN(ING)? .*SIP over TLS to 127\\.0\\.0\\.1 refused: its certificate CN=impostor"
                + " does not name it \\(.*\\); MESSAGE to sip:peer@127\\.0\\.0\\.1:" + wrongName.port() + ";transport=tls not sent");
    }

    /**
     * The same with Kamailio (its tls module, requiring a client certificate of the CA) as the peer, its certificate
     * signed by the trusted CA for {@code wrong.example}: the handshake completes, the name check refuses, and Kamailio's
     * wire log shows no request arriving.
     */
    @Test
    void kamailio_presenting_a_certificate_for_another_host_gets_nothing_and_the_bean_learns_it_failed() throws Exception {
        Kamailio.assumeTlsInstalled();
        TestCertificates.Pem impostor = certificates.pem(certificates.signed("kamailio-impostor", "dns:wrong.example", "-1d", 30));
        try (Kamailio kamailio = Kamailio.startTls(KamailioTls.presenting(impostor, certificates.caCertificate()))) {
            String target = "sip:peer@127.0.0.1:" + kamailio.tlsPort() + ";transport=tls";

            assertThat(ask(target)).startsWith(target + " -> TRANSPORT: Cannot send MESSAGE from asker");
            assertThat(kamailio.wire()).as(kamailio.log()).noneMatch(line -> line.startsWith("in MESSAGE"));
            assertThat(server.stderr()).containsPattern("WARN(ING)? .*SIP over TLS to 127\\.0\\.0\\.1 refused: its certificate"
                    + " CN=kamailio-impostor does not name it \\(.*\\); MESSAGE to " + Pattern.quote(target) + " not sent");
        }
    }
}
