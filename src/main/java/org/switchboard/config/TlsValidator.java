package org.switchboard.config;

import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The TLS keys that can be checked without reading a file. The key stores themselves are checked by
 * {@link TlsKeystores} where the listener starts (reading them is I/O, and a runtime change of another key
 * must not re-read them).
 */
final class TlsValidator {

    /** TLS 1.0 and 1.1 are broken and disabled in Java 17 anyway; SSLv3 more so. */
    static final List<String> ALLOWED_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

    private TlsValidator() {
    }

    static void validate(Path file, ServerSettings server) {
        TlsSettings tls = server.tls();
        if (tls == null) {
            throw new ConfigException(file, "server.tls", "must be a section (a mapping of keys)");
        }
        if (server.listensOnTls()) {
            if (server.sipTransports().contains(Transport.TCP) && server.sipTlsPort() == server.sipPort()) {
                throw new ConfigException(file, "server.sip-tls-port", "must differ from server.sip-port (" + server.sipPort()
                        + "), where SIP over TCP listens");
            }
            if (tls.keystore() == null || tls.keystore().isBlank()) {
                throw new ConfigException(file, "server.tls.keystore",
                        "must name a PKCS#12 or JKS file holding this server's key and certificate, since server.sip-transports lists tls");
            }
        }
        if (tls.clientAuth() == null) {
            throw new ConfigException(file, "server.tls.client-auth", "expected one of need, want, none");
        }
        if (tls.protocols().isEmpty()) {
            throw new ConfigException(file, "server.tls.protocols", "at least one protocol is needed (TLSv1.2, TLSv1.3)");
        }
        for (String protocol : tls.protocols()) {
            if (!ALLOWED_PROTOCOLS.contains(protocol)) {
                throw new ConfigException(file, "server.tls.protocols", "'" + protocol + "' is not allowed (only "
                        + String.join(", ", ALLOWED_PROTOCOLS) + "; older versions are broken)");
            }
        }
        if (!tls.cipherSuites().isEmpty()) {
            Set<String> supported = supportedCipherSuites();
            for (String suite : tls.cipherSuites()) {
                if (!supported.contains(suite)) {
                    throw new ConfigException(file, "server.tls.cipher-suites", "'" + suite + "' is not a cipher suite this Java supports");
                }
            }
        }
        if (tls.handshakeTimeoutSeconds() < 1 || tls.handshakeTimeoutSeconds() > 300) {
            throw new ConfigException(file, "server.tls.handshake-timeout-seconds",
                    "expected a whole number from 1 to 300, found " + tls.handshakeTimeoutSeconds());
        }
    }

    private static Set<String> supportedCipherSuites() {
        try {
            return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no TLS", e);
        }
    }
}
