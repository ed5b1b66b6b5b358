package org.switchboard.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made at run time with the JDK's own {@code keytool} in a directory of the test's:
 * a test CA, and PKCS#12 key stores (password {@link #PASSWORD}) for identities it signs or that sign themselves.
 * No key material lives in the repository.
 */
public final class TestCertificates {

    public static final String PASSWORD = "changeit";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    private final Path dir;
    private final Path ca;
    private final Path caCertificate;
    private final Path truststore;

    private TestCertificates(Path dir) {
        this.dir = dir;
        this.ca = dir.resolve("ca.p12");
        this.caCertificate = dir.resolve("ca.pem");
        this.truststore = dir.resolve("truststore.p12");
    }

    /** A new test CA in {@code dir} (created if missing), and a truststore that holds its certificate alone. */
    public static TestCertificates in(Path dir) throws IOException {
        Files.createDirectories(dir);
        TestCertificates certificates = new TestCertificates(dir);
        certificates.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=Switchboard Test CA", "-ext", "bc:c", "-validity", "30", "-keystore", certificates.ca.toString());
        certificates.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", certificates.ca.toString(),
                "-file", certificates.caCertificate.toString());
        certificates.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", certificates.caCertificate.toString(),
                "-keystore", certificates.truststore.toString());
        return certificates;
    }

    /** Holds the CA's certificate only (no key): what the server and clients trust. */
    public Path truststore() {
        return truststore;
    }

    public Path caCertificate() {
        return caCertificate;
    }

    /**
     * A key store {@code name}.p12 with a new key and a certificate for {@code CN=name} signed by this CA, valid from
     * {@code startDate} (keytool's syntax: {@code -1d}, {@code -60d}) for {@code validityDays}, with the subject
     * alternative names {@code san} (keytool's syntax: {@code ip:127.0.0.1,dns:localhost}; empty for none).
     */
    public Path signed(String name, String san, String startDate, int validityDays) throws IOException {
        Path store = selfSigned(name, san);
        Path request = dir.resolve(name + ".csr");
        Path certificate = dir.resolve(name + ".pem");
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", request.toString());
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", ca.toString(),
                "-infile", request.toString(), "-outfile", certificate.toString(), "-rfc",
                "-startdate", startDate, "-validity", String.valueOf(validityDays)));
        if (!san.isEmpty()) {
            gencert.addAll(List.of("-ext", "san=" + san));
        }
        keytool(gencert.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCertificate.toString(), "-keystore", store.toString());
        keytool("-importcert", "-noprompt", "-alias", name, "-file", certificate.toString(), "-keystore", store.toString());
        return store;
    }

    /** A certificate for 127.0.0.1 and localhost signed by this CA, valid from yesterday for 30 days. */
    public Path server(String name) throws IOException {
        return signed(name, "ip:127.0.0.1,dns:localhost", "-1d", 30);
    }

    /** A key store {@code name}.p12 whose certificate signs itself: no CA vouches for it. */
    public Path selfSigned(String name, String san) throws IOException {
        Path store = dir.resolve(name + ".p12");
        List<String> genkey = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-validity", "30", "-keystore", store.toString()));
        if (!san.isEmpty()) {
            genkey.addAll(List.of("-ext", "san=" + san));
        }
        keytool(genkey.toArray(String[]::new));
        return store;
    }

    /** A key store {@code name}.p12 with {@code keyOf}'s private key under {@code certificateOf}'s certificate chain. */
    public Path mismatched(String name, Path keyOf, Path certificateOf) throws Exception {
        KeyStore keys = KeyStore.getInstance(keyOf.toFile(), PASSWORD.toCharArray());
        KeyStore certificates = KeyStore.getInstance(certificateOf.toFile(), PASSWORD.toCharArray());
        PrivateKey key = (PrivateKey) keys.getKey(firstKeyAlias(keys), PASSWORD.toCharArray());
        Certificate[] chain = certificates.getCertificateChain(firstKeyAlias(certificates));
        KeyStore mixed = KeyStore.getInstance("PKCS12");
        mixed.load(null, null);
        mixed.setKeyEntry(name, key, PASSWORD.toCharArray(), chain);
        Path store = dir.resolve(name + ".p12");
        try (OutputStream out = Files.newOutputStream(store)) {
            mixed.store(out, PASSWORD.toCharArray());
        }
        return store;
    }

    /** A key and its certificate chain in PEM files, as OpenSSL-based peers (Kamailio's tls module) read them. */
    public record Pem(Path privateKey, Path certificateChain) {
    }

    /**
     * {@code keystore}'s private key (PKCS#8) and certificate chain written beside it as {@code NAME.key.pem} and
     * {@code NAME.chain.pem}, NAME being the key store's file name without {@code .p12}.
     */
    public Pem pem(Path keystore) throws Exception {
        KeyStore store = KeyStore.getInstance(keystore.toFile(), PASSWORD.toCharArray());
        String alias = firstKeyAlias(store);
        String name = keystore.getFileName().toString().replaceFirst("\\.p12$", "");
        Path key = dir.resolve(name + ".key.pem");
        Path chain = dir.resolve(name + ".chain.pem");
        Files.writeString(key, pemBlock("PRIVATE KEY", store.getKey(alias, PASSWORD.toCharArray()).getEncoded()));
        StringBuilder certificates = new StringBuilder();
        for (Certificate certificate : store.getCertificateChain(alias)) {
            certificates.append(pemBlock("CERTIFICATE", certificate.getEncoded()));
        }
        Files.writeString(chain, certificates);
        return new Pem(key, chain);
    }

    private static String pemBlock(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String firstKeyAlias(KeyStore store) throws Exception {
        for (String alias : java.util.Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                return alias;
            }
        }
        throw new IllegalArgumentException("no key in the store");
    }

    /**
     * JAIN-SIP stack properties for a TLS client presenting {@code keystore}'s certificate (or none, with the
     * truststore standing in as a key store without keys) and trusting this CA.
     */
    public Properties clientStackProperties(Path keystore) {
        Properties p = new Properties();
        p.setProperty("javax.net.ssl.keyStore", keystore.toString());
        p.setProperty("javax.net.ssl.keyStorePassword", PASSWORD);
        p.setProperty("javax.net.ssl.keyStoreType", "PKCS12");
        p.setProperty("javax.net.ssl.trustStore", truststore.toString());
        p.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
        p.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.2,TLSv1.3");
        p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,"
                + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        return p;
    }

    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool did not finish: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException("keytool failed (" + process.exitValue() + "): " + String.join(" ", command) + "\n" + output);
        }
    }
}
