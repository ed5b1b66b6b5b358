package org.switchboard.presence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.Locale;
import java.util.Optional;
import org.switchboard.endpoint.Aor;
import org.switchboard.xml.SafeXml;
import org.switchboard.xml.XmlRefusedException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Turns a presence body into updates with their publish times.
 * <ul>
 * <li>PIDF ({@code application/pidf+xml}, RFC 3863, with RPID and the RFC 4479 data model): one update,
 * category {@code pidf}, whose publish time is the newest {@code <timestamp>} of its tuples, persons and
 * devices. A composed document is as new as its newest part.</li>
 * <li>Microsoft categories ({@code application/msrtc-event-categories+xml}): one update per
 * {@code <category>}, keyed {@code name/instance} (plus {@code @container} when given), with that
 * category's {@code publishTime}.</li>
 * </ul>
 * A timestamp that does not parse counts as absent; an update with no publish time gets
 * {@link PublishTime#UNKNOWN}.
 */
public final class PresenceDocuments {

    public static final String PIDF = "application/pidf+xml";
    public static final String MS_CATEGORIES = "application/msrtc-event-categories+xml";
    public static final String PIDF_CATEGORY = "pidf";

    private static final String PIDF_NS = "urn:ietf:params:xml:ns:pidf";
    private static final String DATA_MODEL_NS = "urn:ietf:params:xml:ns:pidf:data-model";
    private static final String CATEGORIES_NS = "http://schemas.microsoft.com/2006/09/sip/categories";

    private final int maxChars;
    private final LongAdder refused = new LongAdder();

    /** @param maxChars the largest body accepted, in characters; larger ones are refused unread */
    public PresenceDocuments(int maxChars) {
        this.maxChars = maxChars;
    }

    /** Bodies refused since start, by whoever asked (a presence view, the presence store, the bridge). */
    public long refusedCount() {
        return refused.sum();
    }

    /**
     * The updates a body carries for {@code presentity}.
     *
     * @throws PresenceDocumentException when the content type is not a presence document type, or the
     *                                   body is refused (too large, a DOCTYPE, not well-formed, wrong root)
     */
    public List<PresenceUpdate> parse(Aor presentity, String contentType, String body) {
        try {
            return parseOrRefuse(presentity, contentType, body);
        } catch (PresenceDocumentException e) {
            refused.increment();
            throw e;
        }
    }

    private List<PresenceUpdate> parseOrRefuse(Aor presentity, String contentType, String body) {
        String type = baseType(contentType);
        Document document;
        try {
            document = switch (type) {
                case PIDF, MS_CATEGORIES -> SafeXml.parse(body, maxChars);
                default -> throw new PresenceDocumentException("unsupported content type '" + contentType
                        + "' (expected " + PIDF + " or " + MS_CATEGORIES + ")");
            };
        } catch (XmlRefusedException e) {
            throw new PresenceDocumentException("presence document refused: " + e.getMessage(), e);
        }
        Element root = document.getDocumentElement();
        if (PIDF.equals(type)) {
            requireRoot(root, PIDF_NS, "presence");
            return List.of(PresenceUpdate.of(presentity, PIDF_CATEGORY, newestPidfTimestamp(root), PIDF, body));
        }
        requireRoot(root, CATEGORIES_NS, "categories");
        List<PresenceUpdate> updates = new ArrayList<>();
        for (Element category : children(root, CATEGORIES_NS, "category")) {
            String name = category.getAttribute("name");
            if (name.isEmpty()) {
                throw new PresenceDocumentException("presence document refused: a <category> without a name");
            }
            String instance = category.getAttribute("instance").isEmpty() ? "0" : category.getAttribute("instance");
            String container = category.getAttribute("container");
            String key = name + "/" + instance + (container.isEmpty() ? "" : "@" + container);
            PublishTime time = parseOrUnknown(category.getAttribute("publishTime"));
            updates.add(PresenceUpdate.of(presentity, key, time, MS_CATEGORIES, SafeXml.serialize(category)));
        }
        return updates;
    }

    private static PublishTime newestPidfTimestamp(Element root) {
        PublishTime newest = PublishTime.UNKNOWN;
        for (String ns : List.of(PIDF_NS, DATA_MODEL_NS)) {
            NodeList stamps = root.getElementsByTagNameNS(ns, "timestamp");
            for (int i = 0; i < stamps.getLength(); i++) {
                PublishTime time = parseOrUnknown(stamps.item(i).getTextContent());
                if (time.compareTo(newest) > 0) {
                    newest = time;
                }
            }
        }
        return newest;
    }

    private static PublishTime parseOrUnknown(String text) {
        if (text == null || text.isBlank()) {
            return PublishTime.UNKNOWN;
        }
        try {
            return PublishTime.parse(text);
        } catch (IllegalArgumentException e) {
            return PublishTime.UNKNOWN;
        }
    }

    private static void requireRoot(Element root, String ns, String name) {
        if (!ns.equals(root.getNamespaceURI()) || !name.equals(root.getLocalName())) {
            throw new PresenceDocumentException("presence document refused: expected a <" + name + "> root in " + ns
                    + ", found <" + root.getLocalName() + "> in " + Optional.ofNullable(root.getNamespaceURI()).orElse("no namespace"));
        }
    }

    private static List<Element> children(Element parent, String ns, String name) {
        List<Element> found = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && ns.equals(element.getNamespaceURI()) && name.equals(element.getLocalName())) {
                found.add(element);
            }
        }
        return found;
    }

    private static String baseType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
