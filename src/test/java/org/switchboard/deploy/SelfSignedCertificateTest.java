package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.config.ConfigLoader;
import org.switchboard.config.ServerSettings;

/** {@code --tls-self-signed}: a loopback certificate made once in the data directory, and the keys that use it. */
class SelfSignedCertificateTest {

    @TempDir
    Path data;

    private final ServerSettings defaults = new ConfigLoader().load(Path.of("deploy/switchboard.yaml")).server();

    @Test
    void makes_a_certificate_for_loopback_under_a_password_only_its_owner_reads_and_adds_tls() throws Exception {
        Map<String, String> overrides = SelfSignedCertificate.overrides(data, defaults);
        Path keystore = data.resolve("tls/self-signed.p12");
        Path passwordFile = data.resolve("tls/self-signed.password");
        String password = Files.readString(passwordFile).strip();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
        assertThat(password).hasSize(36);
        X509Certificate certificate = (X509Certificate) KeyStore.getInstance(keystore.toFile(), password.toCharArray())
                .getCertificate("switchboard");
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(certificate.getSubjectAlternativeNames()).containsExactlyInAnyOrder(List.of(7, "127.0.0.1"), List.of(2, "localhost"));
        assertThat(overrides).containsEntry("server.sip-transports", "[udp, tcp, tls]")
                .containsEntry("server.tls.keystore", "\"" + keystore.toAbsolutePath() + "\"")
                .containsEntry("server.tls.keystore-password", "\"" + password + "\"")
                .containsEntry("server.tls.client-auth", "want");
    }

    @Test
    void a_second_start_keeps_the_certificate_it_made() throws Exception {
        SelfSignedCertificate.overrides(data, defaults);
        byte[] first = Files.readAllBytes(data.resolve("tls/self-signed.p12"));
        Map<String, String> again = SelfSignedCertificate.overrides(data, defaults);
        assertThat(Files.readAllBytes(data.resolve("tls/self-signed.p12"))).isEqualTo(first);
        assertThat(again.get("server.tls.keystore-password")).contains(Files.readString(data.resolve("tls/self-signed.password")).strip());
    }

    @Test
    void the_overrides_make_a_valid_configuration() throws Exception {
        Map<String, String> overrides = SelfSignedCertificate.overrides(data, defaults);
        ServerSettings server = new ConfigLoader().load(Path.of("deploy/switchboard.yaml"), overrides).server();
        assertThat(server.listensOnTls()).isTrue();
        assertThat(server.tls().effectiveTruststore()).isEqualTo(data.resolve("tls/self-signed.p12").toAbsolutePath().toString());
    }
}
