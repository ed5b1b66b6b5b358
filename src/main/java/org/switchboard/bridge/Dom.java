package org.switchboard.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.switchboard.presence.PresenceDocumentException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** Namespace-aware reading of the presence documents' DOM. */
final class Dom {

    static final String PIDF_NS = "urn:ietf:params:xml:ns:pidf";
    static final String DATA_MODEL_NS = "urn:ietf:params:xml:ns:pidf:data-model";
    static final String RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid";
    static final String CATEGORIES_NS = "http://schemas.microsoft.com/2006/09/sip/categories";
    static final String MS_STATE_NS = "http://schemas.microsoft.com/2006/09/sip/state";
    static final String MS_NOTE_NS = "http://schemas.microsoft.com/2006/09/sip/note";
    static final String XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";

    private Dom() {
    }

    static void requireRoot(Element root, String ns, String name) {
        if (!ns.equals(root.getNamespaceURI()) || !name.equals(root.getLocalName())) {
            throw new PresenceDocumentException("presence document refused: expected a <" + name + "> root in " + ns
                    + ", found <" + root.getLocalName() + "> in "
                    + Optional.ofNullable(root.getNamespaceURI()).orElse("no namespace"));
        }
    }

    static List<Element> children(Element parent, String ns, String name) {
        List<Element> found = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element && ns.equals(element.getNamespaceURI()) && name.equals(element.getLocalName())) {
                found.add(element);
            }
        }
        return found;
    }

    static List<Element> childElements(Element parent) {
        List<Element> found = new ArrayList<>();
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element) {
                found.add(element);
            }
        }
        return found;
    }

    static List<Element> descendants(Element ancestor, String ns, String name) {
        NodeList nodes = ancestor.getElementsByTagNameNS(ns, name);
        List<Element> found = new ArrayList<>(nodes.getLength());
        for (int i = 0; i < nodes.getLength(); i++) {
            found.add((Element) nodes.item(i));
        }
        return found;
    }

    /** The first child's text that is not blank, as written. */
    static Optional<String> firstText(List<Element> elements) {
        return elements.stream().map(Element::getTextContent).filter(text -> text != null && !text.isBlank()).findFirst();
    }
}
