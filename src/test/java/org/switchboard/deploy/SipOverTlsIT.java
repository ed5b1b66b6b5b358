package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.TestCertificates;

/**
 * SIP over TLS through the real runner, with mutual TLS required ({@code client-auth: need}): a client with a
 * certificate of the trusted CA is answered; one without a certificate, one with a certificate no trusted CA signed,
 * and one offering only TLS 1.0 or 1.1 are refused at the handshake, and UDP, TCP and TLS keep serving the others; OpenSSL
 * with TLS 1.2 and 1.3 completes it.
 */
class SipOverTlsIT {

    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FLOOD = 300;

    @TempDir
    static Path work;
    private static TestCertificates certificates;
    private static RunningSwitchboard server;
    private static int tlsPort;

    @BeforeAll
    static void start() throws Exception {
        certificates = TestCertificates.in(work.resolve("certificates"));
        Path keystore = certificates.server("switchboard");
        tlsPort = FreePorts.udpAndTcp();
        server = RunningSwitchboard.in(work).configText("""
                server:
                  sip-transports: [udp, tcp, tls]
                  sip-tls-port: %d
                  tls:
                    keystore: "%s"
                    keystore-password: %s
                    truststore: "%s"
                    truststore-password: %s
                    client-auth: need
                endpoints:
                  - aor: sip:echo@example.com
                    bean: echo
                """.formatted(tlsPort, keystore, TestCertificates.PASSWORD, certificates.truststore(), TestCertificates.PASSWORD)
                + AdminLogin.configSection())
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static SipClient trustedTlsClient(String name) throws Exception {
        return SipClient.tls(certificates.clientStackProperties(CLIENTS.computeIfAbsent(name, SipOverTlsIT::clientCertificate)));
    }

    private static final Map<String, Path> CLIENTS = new ConcurrentHashMap<>();

    /** Signed by the trusted CA, for 127.0.0.1: the server checks that name when it opens a connection back to the client. */
    private static Path clientCertificate(String name) {
        try {
            return certificates.server(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int optionsOver(SipClient client, int port) throws Exception {
        return client.send(client.request(Request.OPTIONS, "sip:ping@127.0.0.1:" + port, "monitor"), ANSWER).getStatusCode();
    }

    @Test
    void the_ready_line_names_the_tls_listener() throws Exception {
        assertThat(server.stdout()).contains("SIP 127.0.0.1:" + server.sipPort() + " (udp, tcp), SIP 127.0.0.1:" + tlsPort + " (tls)");
    }

    /** The server's certificate is valid from yesterday for 30 days: 28 whole days left, inside the 30-day warning. */
    @Test
    void health_status_and_metrics_show_each_transport_and_the_certificate_and_the_log_warns_of_its_expiry() throws Exception {
        JsonNode health = Health.detail(server);
        JsonNode status = JSON.readTree(AdminLogin.send(AdminLogin.request(server.http("/api/status"))
                .header("Authorization", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).GET().build()).body());
        for (JsonNode sip : List.of(health.path("sip"), status.path("sip"))) {
            assertThat(sip.path("listening").toString()).contains(
                    "{\"transport\":\"udp\",\"address\":\"127.0.0.1:" + server.sipPort() + "\"}",
                    "{\"transport\":\"tcp\",\"address\":\"127.0.0.1:" + server.sipPort() + "\"}",
                    "{\"transport\":\"tls\",\"address\":\"127.0.0.1:" + tlsPort + "\"}");
            assertThat(sip.path("tlsCertificate").path("subject").asText()).isEqualTo("CN=switchboard");
            assertThat(sip.path("tlsCertificate").path("daysUntilExpiry").asInt()).isEqualTo(28);
            assertThat(Instant.parse(sip.path("tlsCertificate").path("notAfter").asText()))
                    .isBetween(Instant.now().plus(Duration.ofDays(28)), Instant.now().plus(Duration.ofDays(29)));
        }
        String metrics = AdminLogin.send(AdminLogin.request(server.http("/api/metrics"))
                .header("Authorization", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).GET().build()).body();
        assertThat(metrics).contains("switchboard_tls_certificate_days_until_expiry{subject=\"CN=switchboard\"} 28.0");
        assertThat(server.stderr()).containsPattern(
                "WARN(ING)? .*The TLS certificate CN=switchboard \\(server.tls.keystore\\) expires on \\S+, in 28 days: renew it and restart before then");
    }

    @Test
    void options_and_message_over_tls_from_a_client_the_ca_vouches_for_are_answered() throws Exception {
        try (SipClient client = trustedTlsClient("alice")) {
            assertThat(optionsOver(client, tlsPort)).isEqualTo(200);
            Request message = client.withBody(client.requestTo(Request.MESSAGE, "sip:echo@example.com", "alice", tlsPort),
                    "text", "plain", "hello over TLS");
            assertThat(client.send(message, ANSWER).getStatusCode()).isEqualTo(200);
            // The echo comes back over TLS, on a connection the server opens or the one it holds.
            Request echoed = client.awaitRequest(ANSWER).getRequest();
            assertThat(echoed.getMethod()).isEqualTo(Request.MESSAGE);
            assertThat(new String(echoed.getRawContent(), StandardCharsets.UTF_8)).isEqualTo("hello over TLS");
        }
    }

    @Test
    void a_client_without_a_certificate_is_refused_at_the_handshake_and_the_others_are_served() throws Exception {
        assertRefusedAtHandshake(clientContext(null), "TLSv1.3");
        assertRefusedAtHandshake(clientContext(null), "TLSv1.2");
        assertEveryTransportServes();
    }

    @Test
    void a_client_whose_certificate_no_trusted_ca_signed_is_refused_at_the_handshake_and_the_others_are_served() throws Exception {
        Path untrusted = certificates.selfSigned("mallory", "");
        assertRefusedAtHandshake(clientContext(untrusted), "TLSv1.3");
        assertRefusedAtHandshake(clientContext(untrusted), "TLSv1.2");
        assertEveryTransportServes();
    }

    /**
     * OpenSSL offering only TLS 1.0 or only TLS 1.1, told to allow them itself (security level 0: Debian's OpenSSL 3.0
     * refuses them on its own side otherwise; Java 17 will not even offer them), so that the refusal provably comes from
     * the server: its alert 70, {@code protocol_version}, and no cipher ever agreed.
     */
    @ParameterizedTest(name = "openssl s_client {0}")
    @ValueSource(strings = {"-tls1", "-tls1_1"})
    void a_client_offering_only_tls_1_0_or_1_1_is_refused_with_the_protocol_version_alert(String version) throws Exception {
        String output = openssl(false, "s_client", "-connect", "127.0.0.1:" + tlsPort, version, "-cipher", "DEFAULT:@SECLEVEL=0",
                "-CAfile", certificates.caCertificate().toString());
        assertThat(output).contains("alert protocol version", "SSL alert number 70", "Cipher is (NONE)");
        assertEveryTransportServes();
    }

    /** The same OpenSSL with TLS 1.2 or 1.3 and a certificate of the trusted CA: the handshake completes, both sides verified. */
    @ParameterizedTest(name = "openssl s_client {0}")
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void a_client_offering_tls_1_2_or_1_3_completes_the_handshake(String version) throws Exception {
        TestCertificates.Pem client = certificates.pem(CLIENTS.computeIfAbsent("openssl", SipOverTlsIT::clientCertificate));
        String output = openssl(true, "s_client", "-connect", "127.0.0.1:" + tlsPort, version, "-CAfile",
                certificates.caCertificate().toString(), "-verify_return_error", "-verify_ip", "127.0.0.1",
                "-cert", client.certificateChain().toString(), "-key", client.privateKey().toString());
        String protocol = version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3";
        assertThat(output).contains("New, " + protocol + ", Cipher is ", "Verify return code: 0 (ok)").doesNotContain("alert");
    }

    /** Runs {@code openssl} with nothing on its input and returns its output, once its exit status says it {@code succeeds} or not. */
    private static String openssl(boolean succeeds, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process client = new ProcessBuilder(command).redirectErrorStream(true).start();
        client.getOutputStream().close();
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (succeeds) {
            assertThat(client.exitValue()).as(output).isZero();
        } else {
            assertThat(client.exitValue()).as(output).isNotZero();
        }
        return output;
    }

    /**
     * Half-open connections (connected, never a ClientHello) each hold a thread of the stack's TLS listener. While
     * {@link #FLOOD} of them are open every transport still answers, and the server closes each once its handshake
     * has not finished within {@code server.tls.handshake-timeout-seconds} (10 s here). Without that bound they stay
     * open for good: the 60 s wait for the close only catches that, it measures no speed.
     */
    @Test
    void a_flood_of_half_open_tls_connections_stops_no_transport_and_each_is_closed_by_the_handshake_bound() throws Exception {
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < FLOOD; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", tlsPort), 5000);
                flood.add(socket);
            }
            assertEveryTransportServes();
            Instant deadline = Instant.now().plusSeconds(60);
            int closedByServer = 0;
            for (Socket socket : flood) {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                socket.setSoTimeout((int) Math.max(1, left));
                try {
                    // The server ends a handshake it gives up on with alerts (user_canceled, close_notify), then closes.
                    while (socket.getInputStream().read() != -1) {
                        continue;
                    }
                    closedByServer++;
                } catch (SocketTimeoutException e) {
                    break; // still open at the deadline
                } catch (java.net.SocketException e) {
                    closedByServer++; // reset by the server
                }
            }
            assertThat(closedByServer).as("half-open connections the server closed").isEqualTo(FLOOD);
            assertEveryTransportServes();
        } finally {
            for (Socket socket : flood) {
                socket.close();
            }
        }
    }

    private static void assertEveryTransportServes() throws Exception {
        try (SipClient udp = SipClient.udp(); SipClient tcp = SipClient.tcp(); SipClient tls = trustedTlsClient("bob")) {
            assertThat(optionsOver(udp, server.sipPort())).isEqualTo(200);
            assertThat(optionsOver(tcp, server.sipPort())).isEqualTo(200);
            assertThat(optionsOver(tls, tlsPort)).isEqualTo(200);
        }
    }

    /**
     * The handshake fails, or (TLS 1.3, where the client finishes before the server has judged its certificate) the
     * first read does: no SIP message is ever read back.
     */
    private static void assertRefusedAtHandshake(SSLContext context, String protocol) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", tlsPort), 5000);
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {protocol});
            try {
                socket.startHandshake();
                OutputStream out = socket.getOutputStream();
                out.write(("OPTIONS sip:ping@127.0.0.1:" + tlsPort + " SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKx\r\n"
                        + "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: refused@127.0.0.1\r\nCSeq: 1 OPTIONS\r\n"
                        + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                int first = in.read();
                assertThat(first).as("what the server sent after a refused handshake over " + protocol).isEqualTo(-1);
            } catch (SSLException | java.net.SocketException e) {
                assertThat(e).as(protocol).isNotNull(); // refused: the exception is the refusal
            }
        }
    }

    /** A JDK TLS client trusting the test CA, presenting {@code keystore}'s certificate (none when null). */
    private static SSLContext clientContext(Path keystore) throws Exception {
        char[] password = TestCertificates.PASSWORD.toCharArray();
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(KeyStore.getInstance(certificates.truststore().toFile(), password));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore store = KeyStore.getInstance("PKCS12");
        if (keystore == null) {
            store.load(null, null);
        } else {
            store = KeyStore.getInstance(keystore.toFile(), password);
        }
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }
}
