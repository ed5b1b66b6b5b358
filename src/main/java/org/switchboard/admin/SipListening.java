package org.switchboard.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.servlet.ServletContext;
import javax.servlet.sip.SipServlet;
import javax.servlet.sip.SipURI;
import org.switchboard.tls.CertificateExpiry;

/**
 * What listens for SIP, per transport, as the container reports it (JSR 289 outbound interfaces), and with SIP over
 * TLS the certificate presented: its subject, its expiry and the days left. For the health page and the status API.
 */
final class SipListening {

    private SipListening() {
    }

    static Map<String, Object> of(ServletContext context) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> listening = new ArrayList<>();
        if (context.getAttribute(SipServlet.OUTBOUND_INTERFACES) instanceof List<?> interfaces) {
            for (Object uri : interfaces) {
                Map<String, Object> entry = new LinkedHashMap<>();
                String transport = uri instanceof SipURI sip && sip.getTransportParam() != null
                        ? sip.getTransportParam().toLowerCase(Locale.ROOT) : "udp";
                entry.put("transport", transport);
                entry.put("address", uri instanceof SipURI sip ? sip.getHost() + ":" + sip.getPort() : String.valueOf(uri));
                listening.add(entry);
            }
        }
        out.put("listening", listening);
        if (context.getAttribute(CertificateExpiry.class.getName()) instanceof CertificateExpiry certificate) {
            Map<String, Object> tls = new LinkedHashMap<>();
            tls.put("subject", certificate.subject());
            tls.put("notAfter", certificate.notAfter().toString());
            tls.put("daysUntilExpiry", certificate.daysUntilExpiry());
            out.put("tlsCertificate", tls);
        }
        return out;
    }
}
