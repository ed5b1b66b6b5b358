package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.config.TlsSettings.ClientAuth;
import org.switchboard.testing.TestCertificates;

/** The key stores named by server.tls, opened before anything listens: each fault is one line naming its key. */
class TlsKeystoresTest {

    private static final Path CONFIG = Path.of("switchboard.yaml");
    private static final String PASSWORD = TestCertificates.PASSWORD;

    @TempDir
    static Path dir;
    private static TestCertificates certificates;
    private static Path server;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCertificates.in(dir);
        server = certificates.server("server");
    }

    private static TlsSettings tls(Path keystore, String password, Path truststore) {
        return new TlsSettings(keystore.toString(), password, truststore == null ? "" : truststore.toString(), PASSWORD,
                ClientAuth.NEED, List.of("TLSv1.2", "TLSv1.3"), List.of(), 10);
    }

    private static ConfigException refusal(TlsSettings tls) {
        try {
            TlsKeystores.check(CONFIG, tls, Instant.now());
        } catch (ConfigException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void a_good_key_store_gives_the_certificate_subject_and_expiry() {
        TlsKeystores.ServerCertificate certificate = TlsKeystores.check(CONFIG, tls(server, PASSWORD, certificates.truststore()), Instant.now());
        assertThat(certificate.subject()).isEqualTo("CN=server");
        assertThat(certificate.notAfter()).isBetween(Instant.now().plus(Duration.ofDays(28)), Instant.now().plus(Duration.ofDays(30)));
        assertThat(certificate.keystoreType()).isEqualTo("PKCS12");
    }

    @Test
    void a_missing_key_store_is_named() {
        Path missing = dir.resolve("nowhere.p12");
        ConfigException e = refusal(tls(missing, PASSWORD, null));
        assertThat(e.key()).isEqualTo("server.tls.keystore");
        assertThat(e.problem()).isEqualTo("the file " + missing + " does not exist");
    }

    @Test
    void a_file_that_is_no_key_store_is_refused() throws Exception {
        Path text = Files.writeString(dir.resolve("not-a-store.p12"), "hello");
        ConfigException e = refusal(tls(text, PASSWORD, null));
        assertThat(e.key()).isEqualTo("server.tls.keystore");
        assertThat(e.problem()).startsWith("the file " + text + " is not a PKCS#12 or JKS key store");
    }

    @Test
    void a_wrong_password_names_the_password_key() {
        ConfigException e = refusal(tls(server, "wrong", certificates.truststore()));
        assertThat(e.key()).isEqualTo("server.tls.keystore-password");
        assertThat(e.problem()).isEqualTo("does not open " + server + " (wrong password)");
    }

    @Test
    void a_wrong_truststore_password_names_its_key() {
        TlsSettings tls = new TlsSettings(server.toString(), PASSWORD, certificates.truststore().toString(), "wrong",
                ClientAuth.NEED, List.of("TLSv1.3"), List.of(), 10);
        assertThat(refusal(tls).key()).isEqualTo("server.tls.truststore-password");
    }

    @Test
    void an_expired_certificate_is_refused_with_its_date() throws Exception {
        Path expired = certificates.signed("expired", "ip:127.0.0.1", "-60d", 30);
        ConfigException e = refusal(tls(expired, PASSWORD, certificates.truststore()));
        assertThat(e.key()).isEqualTo("server.tls.keystore");
        assertThat(e.problem()).startsWith("the certificate CN=expired in " + expired + " expired on ");
    }

    @Test
    void a_key_under_another_keys_certificate_is_refused() throws Exception {
        Path other = certificates.selfSigned("other", "");
        Path mixed = certificates.mismatched("mixed", other, server);
        ConfigException e = refusal(tls(mixed, PASSWORD, certificates.truststore()));
        assertThat(e.key()).isEqualTo("server.tls.keystore");
        assertThat(e.problem()).isEqualTo("the key 'mixed' in " + mixed + " does not match its certificate CN=server");
    }

    @Test
    void a_store_without_a_private_key_is_refused() {
        ConfigException e = refusal(tls(certificates.truststore(), PASSWORD, null));
        assertThat(e.key()).isEqualTo("server.tls.keystore");
        assertThat(e.problem()).isEqualTo(certificates.truststore() + " holds no private key with its certificate");
    }
}
