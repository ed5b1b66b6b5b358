package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.RunningSwitchboard;

/** {@code --tls-self-signed} through the real runner: one option, and a TLS client that trusts that certificate is answered. */
class SelfSignedTlsIT {

    @TempDir
    Path work;

    @Test
    void one_option_gives_sip_over_tls_with_a_certificate_for_127_0_0_1() throws Exception {
        int tlsPort = FreePorts.udpAndTcp();
        try (RunningSwitchboard server = RunningSwitchboard.in(work).arg("--tls-self-signed", "--sip-tls-port", String.valueOf(tlsPort)).start()) {
            assertThat(server.stdout()).contains("SIP 127.0.0.1:" + tlsPort + " (tls)");
            Path keystore = work.resolve("data/tls/self-signed.p12");
            char[] password = Files.readString(work.resolve("data/tls/self-signed.password")).strip().toCharArray();
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("switchboard", KeyStore.getInstance(keystore.toFile(), password).getCertificate("switchboard"));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", tlsPort)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("OPTIONS sip:ping@127.0.0.1:" + tlsPort + " SIP/2.0\r\n"
                        + "Via: SIP/2.0/TLS 127.0.0.1:" + socket.getLocalPort() + ";branch=z9hG4bKselfsigned\r\n"
                        + "From: <sip:monitor@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: self-signed@127.0.0.1\r\n"
                        + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(in.readLine()).isEqualTo("SIP/2.0 200 OK");
            }
        }
    }
}
