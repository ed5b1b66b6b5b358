package org.switchboard.bridge;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceDocumentException;
import org.switchboard.presence.PresenceDocuments;
import org.switchboard.xml.SafeXml;
import org.switchboard.xml.XmlRefusedException;
import org.w3c.dom.Document;

/**
 * The bridge's presence mapping, after RFC 8048 (PIDF/RPID to and from XMPP show and status), plus
 * Microsoft availability values. The tables, including the choices made where the RFC is silent, are in
 * the README's bridge section; {@link PidfToXmpp}, {@link MsCategoriesToXmpp} and {@link XmppToPidf}
 * hold them in code.
 */
public final class PresenceMapping {

    private PresenceMapping() {
    }

    /**
     * SIP to XMPP: the presence the bridge sends for a NOTIFY body.
     *
     * @param contentType {@code application/pidf+xml} or {@code application/msrtc-event-categories+xml},
     *                    parameters allowed
     * @param maxChars    the largest body accepted; larger ones are refused unread
     * @throws PresenceDocumentException when the content type is not one of those, or the body is refused
     *                                   (too large, a DOCTYPE, not well-formed, wrong root element)
     */
    public static XmppPresence toXmpp(String contentType, String body, int maxChars) {
        String type = baseType(contentType);
        if (!type.equals(PresenceDocuments.PIDF) && !type.equals(PresenceDocuments.MS_CATEGORIES)) {
            throw new PresenceDocumentException("unsupported content type '" + contentType + "' (expected "
                    + PresenceDocuments.PIDF + " or " + PresenceDocuments.MS_CATEGORIES + ")");
        }
        if (body == null) {
            throw new PresenceDocumentException("presence document refused: no body");
        }
        Document document;
        try {
            document = SafeXml.parse(body, maxChars);
        } catch (XmlRefusedException e) {
            throw new PresenceDocumentException("presence document refused: " + e.getMessage(), e);
        }
        return type.equals(PresenceDocuments.PIDF)
                ? PidfToXmpp.map(document.getDocumentElement())
                : MsCategoriesToXmpp.map(document.getDocumentElement());
    }

    /**
     * XMPP to SIP: the PIDF document ({@code application/pidf+xml}) a NOTIFY carries for {@code entity},
     * the SIP URI under which the XMPP user appears, timestamped {@code published} (UTC) so that the
     * receiver's ordering can place it.
     */
    public static String toPidf(Aor entity, XmppPresence presence, Instant published) {
        return XmppToPidf.write(Objects.requireNonNull(entity, "entity"), Objects.requireNonNull(presence, "presence"),
                Objects.requireNonNull(published, "published"));
    }

    private static String baseType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
