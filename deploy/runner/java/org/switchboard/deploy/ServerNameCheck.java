package org.switchboard.deploy;

import gov.nist.javax.sip.ClientTransactionExt;
import gov.nist.javax.sip.TlsSecurityPolicy;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.RouteHeader;
import javax.sip.message.Request;
import org.apache.http.conn.ssl.DefaultHostnameVerifier;
import org.apache.log4j.Logger;

/**
 * Outgoing SIP over TLS: the server's certificate must name the host the request is sent to (its first Route, else its
 * Request-URI), as RFC 5922 asks. The stack has verified the certificate chain against the truststore by then, but
 * never the name; it calls this (its {@code TLS_SECURITY_POLICY}) after every handshake of a connection it opens,
 * before a byte of SIP is written. A refusal fails the request at once, never a plain-text retry.
 */
public final class ServerNameCheck implements TlsSecurityPolicy {

    private static final Logger LOG = Logger.getLogger(ServerNameCheck.class);
    /** Apache HttpClient's RFC 2818 / 6125 matching: subject alternative names (DNS, IP), wildcards, CN only without SANs. */
    private static final DefaultHostnameVerifier VERIFIER = new DefaultHostnameVerifier();

    /**
     * Deliberately not a {@link SecurityException}: the stack turns that into an {@link java.io.IOException} which its TLS
     * channel only logs ("Failed to connect"), so the sender waits 32 s for the transaction to time out. This reaches
     * the sender's {@code send()} at once (the application reports it as a transport failure).
     */
    static final class ServerNotNamed extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ServerNotNamed(String message) {
            super(message);
        }
    }

    @Override
    public void enforceTlsPolicy(ClientTransactionExt transaction) {
        Request request = transaction.getRequest();
        String host = targetHost(request);
        X509Certificate certificate;
        try {
            Certificate[] chain = transaction.getPeerCertificates();
            if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate x509)) {
                throw refused(request, host, "it presented no X.509 certificate");
            }
            certificate = x509;
        } catch (SSLPeerUnverifiedException e) {
            throw refused(request, host, "its certificate is unverified (" + e.getMessage() + ")");
        }
        try {
            VERIFIER.verify(host, certificate);
        } catch (SSLException e) {
            throw refused(request, host, "its certificate " + certificate.getSubjectX500Principal().getName()
                    + " does not name it (" + e.getMessage() + ")");
        }
    }

    /** The host this request goes to: the stack follows the first Route, else the Request-URI. */
    static String targetHost(Request request) {
        RouteHeader route = (RouteHeader) request.getHeader(RouteHeader.NAME);
        URI uri = route != null ? route.getAddress().getURI() : request.getRequestURI();
        String host = uri instanceof SipURI sip ? sip.getHost() : uri.toString();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static ServerNotNamed refused(Request request, String host, String why) {
        String message = "SIP over TLS to " + host + " refused: " + why + "; " + request.getMethod() + " to "
                + request.getRequestURI() + " not sent";
        LOG.warn(message);
        return new ServerNotNamed(message);
    }
}
