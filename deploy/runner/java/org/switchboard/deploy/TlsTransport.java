package org.switchboard.deploy;

import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import org.switchboard.config.TlsKeystores.ServerCertificate;
import org.switchboard.config.TlsSettings;

/**
 * SIP over TLS through the stack's own TLS listener (JAIN-SIP's {@code TLSMessageProcessor}): the stack properties
 * for the key stores (checked beforehand by {@link org.switchboard.config.TlsKeystores}), client authentication,
 * protocols, cipher suites and the handshake's time bound.
 */
final class TlsTransport {

    private TlsTransport() {
    }

    static void configure(Properties p, TlsSettings tls, ServerCertificate certificate) {
        p.setProperty("javax.net.ssl.keyStore", absolute(tls.keystore()));
        p.setProperty("javax.net.ssl.keyStorePassword", tls.keystorePassword());
        p.setProperty("javax.net.ssl.keyStoreType", certificate.keystoreType());
        p.setProperty("javax.net.ssl.trustStore", absolute(tls.effectiveTruststore()));
        p.setProperty("javax.net.ssl.trustStorePassword", tls.effectiveTruststorePassword());
        p.setProperty("javax.net.ssl.trustStoreType", certificate.truststoreType());
        // "Disabled", not "DisabledAll": the latter also trusts every server certificate on outgoing connections.
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", switch (tls.clientAuth()) {
            case NEED -> "Enabled";
            case WANT -> "Want";
            case NONE -> "Disabled";
        });
        // The stack applies these to its listening socket and its outgoing connections alike. Its own defaults are
        // TLSv1 to TLSv1.2 and four suites of 2010 (two anonymous, one 3DES): no TLS 1.3 suite, none for an EC key.
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", String.join(",", tls.protocols()));
        p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES",
                String.join(",", tls.cipherSuites().isEmpty() ? jdkDefaultCipherSuites() : tls.cipherSuites()));
        // Each connection's handshake runs on its own thread; without a bound, a client that connects and says
        // nothing holds that thread and socket for ever. In milliseconds, whatever the stack's documentation says.
        p.setProperty("gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT", String.valueOf(tls.handshakeTimeoutSeconds() * 1000L));
        // The stack checks an outgoing connection's certificate chain, never its name: this does.
        p.setProperty("gov.nist.javax.sip.TLS_SECURITY_POLICY", ServerNameCheck.class.getName());
    }

    private static String absolute(String location) {
        return Path.of(location).toAbsolutePath().toString();
    }

    private static List<String> jdkDefaultCipherSuites() {
        try {
            return List.of(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no TLS", e);
        }
    }
}
