package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import javax.sip.RequestEvent;
import javax.sip.header.ContactHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Health;
import org.switchboard.testing.Kamailio;
import org.switchboard.testing.KamailioTls;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SippPeer;
import org.switchboard.testing.Stopping;
import org.switchboard.testing.TestCertificates;

/**
 * Kamailio with its tls module as a real TLS peer of the real runner, mutual TLS both ways: Switchboard requires a
 * client certificate of the test CA ({@code client-auth: need}); Kamailio requires one of the same CA on its TLS
 * listener and presents its own when it opens a TLS connection. One Switchboard and one Kamailio serve every case,
 * Kamailio being the Front End pool (the {@code next-hop} of {@code topology}, {@code ;transport=tls}) and registrar:
 * <ul>
 * <li>Kamailio as a TLS client: a JAIN-SIP client's MESSAGE over UDP into Kamailio is relayed over TLS to the echo
 * endpoint and its 200 comes back; a second Kamailio with a certificate no trusted CA signed is refused at the
 * handshake, and Switchboard keeps serving the first.</li>
 * <li>Kamailio as a TLS server requiring Switchboard's certificate: the echo endpoint's own MESSAGE back reaches it over
 * TLS (and on to the client); a user endpoint registers with it ({@code registrar}, {@code usrloc} in memory); a
 * presence view subscribes through it to SIPp (over UDP behind it), and the NOTIFY comes back over TLS.</li>
 * </ul>
 * What crossed the wire is read from Kamailio's wire log (transport, TLS version, the peer's verified subject) and
 * SIPp's log; Switchboard's side from its answers and its health JSON. A presence target's URI is an AOR (its
 * parameters, {@code ;transport=tls} among them, are not kept), so its next hop is the Front End pool's.
 */
class KamailioTlsIT {

    private static final Duration ANSWER = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    private static TestCertificates certificates;
    private static Kamailio kamailio;
    private static SippPeer presenceServer;
    private static RunningSwitchboard server;
    private static int switchboardTls;

    @BeforeAll
    static void start() throws Exception {
        Kamailio.assumeTlsInstalled();
        certificates = TestCertificates.in(work.resolve("certificates"));
        Path switchboardKeys = certificates.server("switchboard");
        TestCertificates.Pem kamailioKeys = certificates.pem(certificates.server("kamailio"));
        switchboardTls = FreePorts.udpAndTcp();
        int presencePort = FreePorts.udpAndTcp();
        kamailio = Kamailio.startTls(KamailioTls.presenting(kamailioKeys, certificates.caCertificate()).routing("""
                if (is_method("REGISTER")) {
                    save("location");
                    exit;
                }
                if ($rU == "bob") { # the presence server, SIPp behind this proxy
                    if (!has_totag()) {
                        record_route();
                    }
                    $du = "sip:127.0.0.1:%d;transport=udp";
                    t_relay();
                    exit;
                }
                if ($rd == "example.com") { # the application pool's users: Switchboard, over TLS
                    $du = "sip:127.0.0.1:%d;transport=tls";
                    t_relay();
                    exit;
                }
                if (!(uri == myself)) {
                    t_relay(); # as a Front End pool relays what the application sends elsewhere
                    exit;
                }
                sl_send_reply("404", "Not here");
                """.formatted(presencePort, switchboardTls)));
        presenceServer = SippPeer.start(work, "presence", "presence-proxied-uas.xml", presencePort, "-m", "1");
        String frontEnd = "sip:127.0.0.1:" + kamailio.tlsPort() + ";transport=tls";
        server = RunningSwitchboard.in(work.resolve("sb")).configText("""
                server:
                  sip-transports: [udp, tcp, tls]
                  sip-tls-port: %d
                  tls:
                    keystore: "%s"
                    keystore-password: %s
                    truststore: "%s"
                    truststore-password: %s
                    client-auth: need
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "%s"
                registration:
                  enabled: true
                  servers: ["%s"]
                  expires-seconds: 600
                presence:
                  views:
                    retry-delays-seconds: [1]
                    retry-jitter: 0
                endpoints:
                  - aor: sip:echo@example.com
                    bean: echo
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings:
                      targets: ["sip:bob@example.com"]
                  - {aor: "sip:alice@example.com", kind: user, epid: desk, bean: echo, register: true}
                """.formatted(switchboardTls, switchboardKeys, TestCertificates.PASSWORD, certificates.truststore(),
                TestCertificates.PASSWORD, frontEnd, frontEnd) + AdminLogin.configSection()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        Stopping.all(server, presenceServer, kamailio);
    }

    /** A MESSAGE to the echo endpoint sent by {@code client} over UDP to {@code proxy}, which relays it over TLS to Switchboard. */
    private static Response messageToEcho(SipClient client, Kamailio proxy, String body) throws Exception {
        Request message = client.withBody(client.requestTo(Request.MESSAGE, "sip:echo@example.com", "carol", proxy.port()),
                "text", "plain", body);
        return client.send(message, ANSWER);
    }

    @Test
    void a_request_kamailio_relays_over_mutual_tls_reaches_the_endpoint_and_the_endpoints_own_request_goes_back_over_tls()
            throws Exception {
        try (SipClient client = SipClient.udp()) {
            Response answer = messageToEcho(client, kamailio, "relayed over TLS");

            assertThat(answer.getStatusCode()).as(kamailio.log()).isEqualTo(200);
            // The echo endpoint answered: its GRUU is the 200's Contact.
            assertThat(((ContactHeader) answer.getHeader(ContactHeader.NAME)).getAddress().getURI().toString())
                    .startsWith("sip:echo@example.com;gr=");
            // Its MESSAGE back goes to the Front End pool over TLS, which relays it to the client.
            RequestEvent echoed = client.awaitRequest(ANSWER);
            client.respond(echoed, 200);
            assertThat(new String(echoed.getRequest().getRawContent(), StandardCharsets.UTF_8)).isEqualTo("relayed over TLS");
        }
        assertThat(kamailio.wire()).as(kamailio.log())
                .anySatisfy(line -> assertThat(line).startsWith("out MESSAGE sip:echo@example.com to 127.0.0.1:" + switchboardTls)
                        .endsWith("proto=tls"))
                .anySatisfy(line -> assertThat(line).startsWith("reply 200 OK (MESSAGE) proto=tls")
                        .contains("peer=switchboard verified=1"))
                .anySatisfy(line -> assertThat(line).startsWith("in MESSAGE sip:carol@127.0.0.1:").contains("proto=tls")
                        .contains("peer=switchboard verified=1"));
    }

    @Test
    void kamailio_presenting_a_certificate_no_trusted_ca_signed_is_refused_at_the_handshake_and_the_others_are_served()
            throws Exception {
        TestCertificates.Pem rogue = certificates.pem(certificates.selfSigned("rogue", "ip:127.0.0.1"));
        try (Kamailio untrusted = Kamailio.startTls(KamailioTls.presenting(rogue, certificates.caCertificate()).routing("""
                $du = "sip:127.0.0.1:%d;transport=tls";
                t_relay();
                """.formatted(switchboardTls)))) {
            Response refused;
            try (SipClient client = SipClient.udp()) {
                refused = messageToEcho(client, untrusted, "from an untrusted proxy");
            }

            // Kamailio gets no answer over a connection Switchboard refused, and says so to its client.
            assertThat(refused.getStatusCode()).as(untrusted.log()).isNotEqualTo(200).isGreaterThanOrEqualTo(400);
            assertThat(untrusted.wire()).as(untrusted.log()).noneMatch(line -> line.startsWith("reply 200"));
            assertThat(untrusted.log()).containsPattern("(?i)alert (bad|unknown|certificate)");
        }
        try (SipClient client = SipClient.udp()) {
            assertThat(messageToEcho(client, kamailio, "still served").getStatusCode()).isEqualTo(200);
        }
        try (SipClient direct = SipClient.udp()) {
            Request options = direct.request(Request.OPTIONS, "sip:ping@127.0.0.1:" + server.sipPort(), "monitor");
            assertThat(direct.send(options, ANSWER).getStatusCode()).isEqualTo(200);
        }
    }

    @Test
    void a_user_endpoint_registers_over_tls_with_kamailio_as_registrar() throws Exception {
        String registrar = "sip:127.0.0.1:" + kamailio.tlsPort() + ";transport=tls";
        JsonNode registration = awaitHealth(health -> registrationOf(health, "alice-desk").path("state").asText().equals("REGISTERED"))
                .path("registrations");

        assertThat(registration.toString()).contains("\"registrar\":\"" + registrar + "\"");
        assertThat(kamailio.wire()).as(kamailio.log())
                .anySatisfy(line -> assertThat(line).startsWith("in REGISTER " + registrar + " proto=tls")
                        .contains("peer=switchboard verified=1"));
    }

    @Test
    void a_presence_view_subscribes_over_tls_through_kamailio_and_its_notify_comes_back_over_tls() throws Exception {
        awaitHealth(health -> health.path("presenceViews").path("SUBSCRIBED").asLong() == 1
                && health.path("presence").path("accepted").asLong() >= 1);

        assertThat(presenceServer.awaitExit(ANSWER)).as(presenceServer.describe()).isZero();
        assertThat(presenceServer.lines("SUBSCRIBE ")).as(presenceServer.describe()).singleElement().asString()
                .contains("subscriber-via=SIP/2.0/TLS 127.0.0.1:" + switchboardTls);
        assertThat(presenceServer.lines("NOTIFY answered 200")).hasSize(1);
        assertThat(kamailio.wire()).as(kamailio.log())
                .anySatisfy(line -> assertThat(line).startsWith("in SUBSCRIBE sip:bob@example.com")
                        .contains("proto=tls").contains("peer=switchboard verified=1"))
                .anySatisfy(line -> assertThat(line).startsWith("out NOTIFY").contains("to 127.0.0.1:" + switchboardTls)
                        .endsWith("proto=tls"))
                .anySatisfy(line -> assertThat(line).startsWith("reply 200 OK (NOTIFY) proto=tls")
                        .contains("peer=switchboard verified=1"));
    }

    private static JsonNode registrationOf(JsonNode health, String endpoint) {
        for (JsonNode entry : health.path("registrations")) {
            if (entry.path("endpoint").asText().equals(endpoint)) {
                return entry;
            }
        }
        return JSON.createObjectNode();
    }

    /** Polls the health JSON every 100 ms, at most 30 s, until {@code condition} holds. */
    private static JsonNode awaitHealth(Predicate<JsonNode> condition) throws Exception {
        JsonNode last = null;
        for (int i = 0; i < 300; i++) {
            last = Health.detail(server);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the health JSON never met the condition; last: " + last + "\nKamailio:\n" + kamailio.log()
                + "\nSwitchboard:\n" + server.stderr());
    }
}
