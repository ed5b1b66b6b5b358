package org.switchboard.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * SIP over TLS (the {@code tls} transport): this server's certificate and key, whom it trusts, and what it
 * offers in the handshake. Key stores are PKCS#12 or JKS (the type is read from the file itself).
 */
public record TlsSettings(
        String keystore,
        @Secret String keystorePassword,
        String truststore,
        @Secret String truststorePassword,
        ClientAuth clientAuth,
        List<String> protocols,
        List<String> cipherSuites,
        int handshakeTimeoutSeconds) {

    /** Whether a TLS client must present a certificate the truststore vouches for. */
    public enum ClientAuth {
        /** Refused at the handshake without a trusted certificate (mutual TLS, as Lync / Skype for Business use it). */
        NEED,
        /** Asked for; a client without one is served, a client with an untrusted one is refused. */
        WANT,
        /** Not asked for. */
        NONE;

        @JsonCreator
        public static ClientAuth parse(String name) {
            for (ClientAuth c : values()) {
                if (c.id().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown client-auth '" + name + "' (expected need, want or none)");
        }

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public TlsSettings {
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }

    /** The truststore actually used: the keystore itself when none is named (as the SIP stack does). */
    public String effectiveTruststore() {
        return truststore == null || truststore.isEmpty() ? keystore : truststore;
    }

    public String effectiveTruststorePassword() {
        return truststore == null || truststore.isEmpty() ? keystorePassword : truststorePassword;
    }

    static TlsSettings defaults() {
        return new TlsSettings("", "", "", "", ClientAuth.NEED, List.of("TLSv1.2", "TLSv1.3"), List.of(), 10);
    }

    /** As a record prints itself, with the passwords masked (this text may reach a log). */
    @Override
    public String toString() {
        return Secrets.describe(this);
    }
}
