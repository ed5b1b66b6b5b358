package org.switchboard.bridge;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.switchboard.endpoint.Aor;

/**
 * An XMPP presence as a PIDF document with the data model and RPID.
 * <ul>
 * <li>One tuple: {@code <basic>open</basic>} when available, {@code closed} when offline; its
 * {@code <note>} carries the status for watchers that read plain PIDF only.</li>
 * <li>One person: RPID activities for the show, a {@code <dm:note>} with the status.</li>
 * <li>Both carry the publish time as {@code <timestamp>}, in UTC to the microsecond (the platform's
 * ordering precision).</li>
 * </ul>
 * Shows without an RPID activity of their own are written as {@code <rpid:other>} tokens the reverse
 * mapping recognises: chat as {@code chat}; xa as {@code <rpid:away/>} (what a SIP watcher should see)
 * plus {@code extended-away}.
 */
final class XmppToPidf {

    static final String TUPLE_ID = "xmpp";
    static final String PERSON_ID = "xmpp-person";

    private XmppToPidf() {
    }

    static String write(Aor entity, XmppPresence presence, Instant published) {
        String timestamp = DateTimeFormatter.ISO_INSTANT.format(published.truncatedTo(ChronoUnit.MICROS));
        Optional<String> note = presence.status().map(XmppToPidf::escape);
        StringBuilder xml = new StringBuilder(512);
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<presence xmlns=\"").append(Dom.PIDF_NS).append("\"")
                .append(" xmlns:dm=\"").append(Dom.DATA_MODEL_NS).append("\"")
                .append(" xmlns:rpid=\"").append(Dom.RPID_NS).append("\"")
                .append(" entity=\"").append(escape(entity.toString())).append("\">\n");
        xml.append("  <tuple id=\"").append(TUPLE_ID).append("\">\n")
                .append("    <status><basic>").append(presence.available() ? "open" : "closed").append("</basic></status>\n");
        note.ifPresent(text -> xml.append("    <note>").append(text).append("</note>\n"));
        xml.append("    <timestamp>").append(timestamp).append("</timestamp>\n")
                .append("  </tuple>\n");
        xml.append("  <dm:person id=\"").append(PERSON_ID).append("\">\n");
        activities(presence.show()).ifPresent(activities ->
                xml.append("    <rpid:activities>").append(activities).append("</rpid:activities>\n"));
        note.ifPresent(text -> xml.append("    <dm:note>").append(text).append("</dm:note>\n"));
        xml.append("    <dm:timestamp>").append(timestamp).append("</dm:timestamp>\n")
                .append("  </dm:person>\n")
                .append("</presence>\n");
        return xml.toString();
    }

    private static Optional<String> activities(XmppShow show) {
        return switch (show) {
            case ONLINE, OFFLINE -> Optional.empty();
            case CHAT -> Optional.of("<rpid:other>" + PidfToXmpp.OTHER_CHAT + "</rpid:other>");
            case AWAY -> Optional.of("<rpid:away/>");
            case XA -> Optional.of("<rpid:away/><rpid:other>" + PidfToXmpp.OTHER_EXTENDED_AWAY + "</rpid:other>");
            case DND -> Optional.of("<rpid:busy/>");
        };
    }

    /**
     * Text safe in element content and in double-quoted attributes. Characters XML 1.0 cannot carry at
     * all (most controls, lone surrogates, U+FFFE/U+FFFF) become U+FFFD rather than breaking the document.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                case '\r' -> out.append("&#13;");
                default -> {
                    if (allowedInXml(cp)) {
                        out.appendCodePoint(cp);
                    } else {
                        out.append('\uFFFD');
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean allowedInXml(int cp) {
        return cp == 0x9 || cp == 0xA || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    }
}
