package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import javax.sip.RequestEvent;
import javax.sip.address.SipURI;
import javax.sip.header.RouteHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.Stopping;
import org.switchboard.testing.TestCertificates;

/**
 * The Front End pool as a TLS next hop that requires Switchboard's client certificate (mutual TLS, as a Lync / Skype for
 * Business pool does with a trusted application): an endpoint's request goes to it over TLS, with its certificate's
 * name checked against the next hop's host, and Switchboard's own certificate accepted by it.
 */
class FrontEndOverTlsIT {

    private static final Duration ANSWER = Duration.ofSeconds(20);

    @TempDir
    Path work;

    @Test
    void an_endpoints_request_reaches_a_front_end_that_requires_mutual_tls_over_tls() throws Exception {
        TestCertificates certificates = TestCertificates.in(work.resolve("certificates"));
        Path keystore = certificates.server("switchboard");
        Properties frontEndTls = certificates.clientStackProperties(certificates.server("front-end"));
        frontEndTls.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Enabled"); // refuses a client without a trusted certificate
        SipClient frontEnd = SipClient.tls(frontEndTls);
        SipClient caller = SipClient.udp();
        RunningSwitchboard server = null;
        try {
            server = RunningSwitchboard.in(work.resolve("sb")).configText("""
                    server:
                      sip-transports: [udp, tcp, tls]
                      sip-tls-port: %d
                      tls:
                        keystore: "%s"
                        keystore-password: %s
                        truststore: "%s"
                        truststore-password: %s
                    topology:
                      application-pool: pool-a
                      front-end-pool: fe1
                      front-end-pools:
                        - name: fe1
                          next-hop: "sip:127.0.0.1:%d;transport=tls"
                          users: ["sip:alice@example.com"]
                    endpoints:
                      - aor: sip:echo@example.com
                        bean: echo
                    """.formatted(FreePorts.udpAndTcp(), keystore, TestCertificates.PASSWORD, certificates.truststore(),
                    TestCertificates.PASSWORD, frontEnd.port())).start();
            Request message = caller.withBody(caller.requestTo(Request.MESSAGE, "sip:echo@example.com", "carol", server.sipPort()),
                    "text", "plain", "hello");
            assertThat(caller.send(message, ANSWER).getStatusCode()).isEqualTo(200);

            RequestEvent event = frontEnd.awaitRequest(ANSWER);
            Request echoed = event.getRequest();
            assertThat(echoed.getMethod()).isEqualTo(Request.MESSAGE);
            assertThat(((ViaHeader) echoed.getHeader(ViaHeader.NAME)).getTransport()).isEqualToIgnoringCase("TLS");
            SipURI route = (SipURI) ((RouteHeader) echoed.getHeader(RouteHeader.NAME)).getAddress().getURI();
            assertThat(route.getPort()).isEqualTo(frontEnd.port());
            assertThat(route.getTransportParam()).isEqualToIgnoringCase("tls");
            frontEnd.respond(event, 200);
        } finally {
            Stopping.all(caller, frontEnd, server);
        }
    }
}
