package org.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a {@link Kamailio#startTls(KamailioTls) Kamailio with TLS} is: its TLS listener, presenting a certificate
 * and requiring the client's (verified against the test CA: mutual TLS, as a Lync / Skype for Business Front End pool
 * does); the certificate it presents when it opens a TLS connection itself (the server's chain verified against the
 * same CA); and the routing, Kamailio script given by the test. Before that routing it answers
 * {@code OPTIONS sip:probe@…} (the fixture's readiness probe), consumes the Route entries naming itself
 * ({@code loose_route}; an in-dialog request without one is refused), and, unless {@link #quiet()}, writes a wire log
 * line (marked {@link #WIRE}) for each request and reply it receives, with the transport and the TLS peer's verified
 * subject, and for each request it sends.
 * Only the modules the tests use are loaded: sl, tm, rr, pv, xlog, siputils, textops, usrloc and registrar (in memory).
 */
public final class KamailioTls {

    /** Marks the wire log's lines in Kamailio's log. */
    static final String WIRE = "WIRE ";

    private final TestCertificates.Pem serverCertificate;
    private final Path caCertificate;
    private TestCertificates.Pem clientCertificate;
    private String routing = "sl_send_reply(\"200\", \"OK\");";
    private boolean wireLog = true;

    private KamailioTls(TestCertificates.Pem serverCertificate, Path caCertificate) {
        this.serverCertificate = serverCertificate;
        this.clientCertificate = serverCertificate;
        this.caCertificate = caCertificate;
    }

    /**
     * A TLS listener presenting {@code certificate}, trusting the CA in {@code caCertificate} (PEM) for its peers;
     * until {@link #connectingAs} says otherwise it also presents {@code certificate} on the connections it opens.
     */
    public static KamailioTls presenting(TestCertificates.Pem certificate, Path caCertificate) {
        return new KamailioTls(certificate, caCertificate);
    }

    /** The certificate presented on the TLS connections Kamailio opens (to a server requiring a client certificate). */
    public KamailioTls connectingAs(TestCertificates.Pem certificate) {
        this.clientCertificate = certificate;
        return this;
    }

    /**
     * Kamailio script that routes each request, once the Route entries naming this proxy are consumed: new requests
     * (not ACK) and in-dialog ones that came by this proxy's Record-Route. By default a stateless 200 to every one.
     */
    public KamailioTls routing(String script) {
        this.routing = script;
        return this;
    }

    /** No wire log and less logging: for load, where a log line per message would be what is measured. */
    public KamailioTls quiet() {
        this.wireLog = false;
        return this;
    }

    /** Writes tls.cfg into {@code dir} and returns kamailio.cfg's text. */
    String write(Path dir, int port, int tlsPort) throws IOException {
        Path tlsConfig = dir.resolve("tls.cfg");
        Files.writeString(tlsConfig, profile("server:default", serverCertificate) + profile("client:default", clientCertificate));
        return """
                #!KAMAILIO
                debug=%d
                log_stderror=yes
                children=%d
                tcp_children=%d
                listen=udp:127.0.0.1:%d
                listen=tcp:127.0.0.1:%d
                listen=tls:127.0.0.1:%d
                dns=no
                rev_dns=no
                use_dns_cache=no
                dns_try_ipv6=no
                dns_try_naptr=no
                auto_aliases=no
                disable_sctp=yes
                enable_tls=yes

                loadmodule "tls.so"
                loadmodule "sl.so"
                loadmodule "tm.so"
                loadmodule "rr.so"
                loadmodule "pv.so"
                loadmodule "xlog.so"
                loadmodule "siputils.so"
                loadmodule "textops.so"
                loadmodule "usrloc.so"
                loadmodule "registrar.so"
                modparam("tls", "config", "%s")
                # Under load a new TLS connection queues what is sent before its handshake ends; 64 KB by default.
                modparam("tls", "con_ct_wq_max", 4194304)
                # A next hop that never answers gets a 408 after 5 s, not 30: tests wait less for a refused handshake.
                modparam("tm", "fr_timer", 5000)
                # Two Record-Route entries where the transport changes (TLS in, UDP out), so that in-dialog requests
                # cross back on the right one.
                modparam("rr", "enable_double_rr", 1)

                request_route {
                    %s
                    if (is_method("OPTIONS") && $rU == "probe") {
                        sl_send_reply("200", "OK");
                        exit;
                    }
                    if (has_totag()) {
                        if (!loose_route()) {
                            if (!is_method("ACK")) {
                                sl_send_reply("404", "Not here");
                            }
                            exit;
                        }
                    } else {
                        if (is_method("ACK")) {
                            exit;
                        }
                        if (is_present_hf("Route")) {
                            loose_route(); # a Route naming this proxy, preloaded by the client
                        }
                    }
                %s
                }
                %s""".formatted(wireLog ? 2 : 1, Kamailio.CHILDREN, Kamailio.TCP_CHILDREN, port, port, tlsPort, tlsConfig,
                wireLog ? received("in $rm $ru") : "", routing.indent(4).stripTrailing(), wireLog ? wireLogRoutes() : "");
    }

    /** Kamailio refuses an empty route block, so these exist only with the wire log. */
    private static String wireLogRoutes() {
        return """

                reply_route {
                    %s
                }

                onsend_route {
                    xlog("L_NOTICE", "%sout $rm $ru to $sndto(ip):$sndto(port) proto=$sndto(sproto)\\n");
                }
                """.formatted(received("reply $rs $rr ($rm)"), WIRE);
    }

    /** The wire log line for a message received; the TLS peer's subject only where there is one. */
    private static String received(String what) {
        return "if (proto == TLS) { xlog(\"L_NOTICE\", \"" + WIRE + what + " proto=$pr from=$si:$sp tls=$tls_version"
                + " peer=$tls_peer_subject_cn verified=$tls_peer_verified\\n\"); } else { xlog(\"L_NOTICE\", \"" + WIRE + what
                + " proto=$pr from=$si:$sp\\n\"); }";
    }

    private String profile(String name, TestCertificates.Pem certificate) {
        return """
                [%s]
                method = TLSv1.2+
                private_key = %s
                certificate = %s
                ca_list = %s
                verify_certificate = yes
                require_certificate = yes

                """.formatted(name, certificate.privateKey(), certificate.certificateChain(), caCertificate);
    }
}
