package org.switchboard.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Opens the TLS key stores named by {@code server.tls} as the SIP stack will, before anything listens, so that
 * what the stack would only log (and then listen without a key) stops start-up with one line naming the key:
 * a missing or unreadable file, a wrong password, no key, a key whose certificate is not its own, an expired
 * certificate, an empty truststore.
 */
public final class TlsKeystores {

    /** The certificate this server presents: the one of its keys that expires first. */
    public record ServerCertificate(String subject, Instant notAfter, String keystoreType, String truststoreType) {
    }

    /** The probe a key signs and its certificate's public key verifies; which signature fits which key type. */
    private static final Map<String, String> SIGNATURES = Map.of(
            "RSA", "SHA256withRSA", "EC", "SHA256withECDSA", "DSA", "SHA256withDSA",
            "Ed25519", "Ed25519", "EdDSA", "Ed25519");

    private TlsKeystores() {
    }

    /** Checks both stores at {@code now}; a {@link ConfigException} names {@code configFile} and the key at fault. */
    public static ServerCertificate check(Path configFile, TlsSettings tls, Instant now) {
        KeyStore keys = open(configFile, "server.tls.keystore", "server.tls.keystore-password", tls.keystore(), tls.keystorePassword());
        List<X509Certificate> own = ownCertificates(configFile, keys, tls);
        for (X509Certificate certificate : own) {
            if (now.isAfter(certificate.getNotAfter().toInstant())) {
                throw new ConfigException(configFile, "server.tls.keystore", "the certificate " + subject(certificate)
                        + " in " + tls.keystore() + " expired on " + certificate.getNotAfter().toInstant());
            }
            if (now.isBefore(certificate.getNotBefore().toInstant())) {
                throw new ConfigException(configFile, "server.tls.keystore", "the certificate " + subject(certificate)
                        + " in " + tls.keystore() + " is not valid before " + certificate.getNotBefore().toInstant());
            }
        }
        KeyStore trusted = keys;
        if (!tls.effectiveTruststore().equals(tls.keystore())) {
            trusted = open(configFile, "server.tls.truststore", "server.tls.truststore-password", tls.truststore(), tls.truststorePassword());
        }
        if (countTrusted(configFile, trusted) == 0) {
            throw new ConfigException(configFile, "server.tls.truststore",
                    tls.effectiveTruststore() + " holds no certificate to trust (name a truststore with the CA certificates of the peers)");
        }
        X509Certificate first = own.stream().min(Comparator.comparing(X509Certificate::getNotAfter)).orElseThrow();
        return new ServerCertificate(subject(first), first.getNotAfter().toInstant(), keys.getType(), trusted.getType());
    }

    /** A key store file, PKCS#12 or JKS (the JDK tells them apart by their content). */
    private static KeyStore open(Path configFile, String key, String passwordKey, String location, String password) {
        Path path = Path.of(location);
        if (!Files.exists(path)) {
            throw new ConfigException(configFile, key, "the file " + location + " does not exist");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException(configFile, key, "the file " + location + " cannot be read");
        }
        try {
            return KeyStore.getInstance(path.toFile(), password.toCharArray());
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new ConfigException(configFile, passwordKey, "does not open " + location + " (wrong password)");
            }
            throw new ConfigException(configFile, key, "the file " + location + " cannot be read as a key store (" + e.getMessage() + ")");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(configFile, key, "the file " + location + " is not a PKCS#12 or JKS key store (" + e.getMessage() + ")");
        }
    }

    /** Every private key's certificate, each checked against its key; the stack opens keys with the store's password. */
    private static List<X509Certificate> ownCertificates(Path configFile, KeyStore keys, TlsSettings tls) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            for (String alias : Collections.list(keys.aliases())) {
                if (!keys.isKeyEntry(alias)) {
                    continue;
                }
                PrivateKey key;
                try {
                    key = (PrivateKey) keys.getKey(alias, tls.keystorePassword().toCharArray());
                } catch (UnrecoverableKeyException e) {
                    throw new ConfigException(configFile, "server.tls.keystore-password", "does not open the key '" + alias + "' in "
                            + tls.keystore() + " (the SIP stack needs the key's password to equal the store's)");
                }
                Certificate certificate = keys.getCertificate(alias);
                if (!(certificate instanceof X509Certificate x509)) {
                    throw new ConfigException(configFile, "server.tls.keystore", "the key '" + alias + "' in " + tls.keystore()
                            + " has no X.509 certificate");
                }
                if (!matches(key, x509)) {
                    throw new ConfigException(configFile, "server.tls.keystore", "the key '" + alias + "' in " + tls.keystore()
                            + " does not match its certificate " + subject(x509));
                }
                certificates.add(x509);
            }
        } catch (GeneralSecurityException e) {
            throw new ConfigException(configFile, "server.tls.keystore", "the file " + tls.keystore() + " cannot be read (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
            throw new ConfigException(configFile, "server.tls.keystore", tls.keystore() + " holds no private key with its certificate");
        }
        return certificates;
    }

    private static boolean matches(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        Optional<String> algorithm = Optional.ofNullable(SIGNATURES.get(key.getAlgorithm()));
        if (algorithm.isEmpty()) {
            return true; // a key type this check does not know: the handshake will tell
        }
        byte[] probe = "switchboard key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm.get());
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm.get());
        try {
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an RSA key under an EC certificate
        }
    }

    private static int countTrusted(Path configFile, KeyStore store) {
        try {
            int count = 0;
            for (String alias : Collections.list(store.aliases())) {
                if (store.getCertificate(alias) != null) {
                    count++;
                }
            }
            return count;
        } catch (GeneralSecurityException e) {
            throw new ConfigException(configFile, "server.tls.truststore", "cannot be read (" + e.getMessage() + ")");
        }
    }

    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
