package org.switchboard.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * PIDF (RFC 3863) with RPID (RFC 4480) and the data model (RFC 4479) to an XMPP presence.
 * <ul>
 * <li>Available when any tuple's {@code <basic>} is {@code open}; otherwise offline.</li>
 * <li>The show comes from RPID {@code <activities>}: those of the persons, or, when no person has any,
 * those elsewhere in the document (older clients put them in a tuple's status). When activities of
 * several kinds are present the least available one wins: DND, then XA, then AWAY, then CHAT.</li>
 * <li>The status is the first non-blank note of a person, else of an open tuple, else of the presence
 * element, else of any tuple.</li>
 * </ul>
 */
final class PidfToXmpp {

    /** RFC 4480 activities that say something about reachability; the rest leave the show ONLINE. */
    private static final Map<String, XmppShow> ACTIVITIES = Map.ofEntries(
            Map.entry("busy", XmppShow.DND),
            Map.entry("on-the-phone", XmppShow.DND),
            Map.entry("meeting", XmppShow.DND),
            Map.entry("appointment", XmppShow.DND),
            Map.entry("presentation", XmppShow.DND),
            Map.entry("performance", XmppShow.DND),
            Map.entry("worship", XmppShow.DND),
            Map.entry("vacation", XmppShow.XA),
            Map.entry("holiday", XmppShow.XA),
            Map.entry("permanent-absence", XmppShow.XA),
            Map.entry("travel", XmppShow.XA),
            Map.entry("sleeping", XmppShow.XA),
            Map.entry("away", XmppShow.AWAY),
            Map.entry("breakfast", XmppShow.AWAY),
            Map.entry("lunch", XmppShow.AWAY),
            Map.entry("dinner", XmppShow.AWAY),
            Map.entry("meal", XmppShow.AWAY),
            Map.entry("in-transit", XmppShow.AWAY),
            Map.entry("steering", XmppShow.AWAY),
            Map.entry("shopping", XmppShow.AWAY),
            Map.entry("spectator", XmppShow.AWAY),
            Map.entry("playing", XmppShow.AWAY),
            Map.entry("tv", XmppShow.AWAY));

    /** {@code <rpid:other>} tokens the bridge itself writes for shows RPID has no activity for. */
    static final String OTHER_CHAT = "chat";
    static final String OTHER_EXTENDED_AWAY = "extended-away";

    /** Least available first: the first kind present decides. */
    private static final List<XmppShow> PRECEDENCE = List.of(XmppShow.DND, XmppShow.XA, XmppShow.AWAY, XmppShow.CHAT);

    private PidfToXmpp() {
    }

    static XmppPresence map(Element root) {
        Dom.requireRoot(root, Dom.PIDF_NS, "presence");
        List<Element> tuples = Dom.children(root, Dom.PIDF_NS, "tuple");
        List<Element> openTuples = tuples.stream().filter(PidfToXmpp::isOpen).toList();
        Optional<String> status = status(root, tuples, openTuples);
        if (openTuples.isEmpty()) {
            return new XmppPresence(XmppShow.OFFLINE, status);
        }
        return new XmppPresence(show(root), status);
    }

    private static boolean isOpen(Element tuple) {
        for (Element status : Dom.children(tuple, Dom.PIDF_NS, "status")) {
            for (Element basic : Dom.children(status, Dom.PIDF_NS, "basic")) {
                if ("open".equals(basic.getTextContent().trim().toLowerCase(Locale.ROOT))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static XmppShow show(Element root) {
        List<Element> personActivities = new ArrayList<>();
        for (Element person : Dom.children(root, Dom.DATA_MODEL_NS, "person")) {
            personActivities.addAll(Dom.descendants(person, Dom.RPID_NS, "activities"));
        }
        List<Element> activities = personActivities.isEmpty() ? Dom.descendants(root, Dom.RPID_NS, "activities") : personActivities;
        List<XmppShow> found = new ArrayList<>();
        for (Element list : activities) {
            for (Element activity : Dom.childElements(list)) {
                activityShow(activity).ifPresent(found::add);
            }
        }
        return PRECEDENCE.stream().filter(found::contains).findFirst().orElse(XmppShow.ONLINE);
    }

    private static Optional<XmppShow> activityShow(Element activity) {
        if (!Dom.RPID_NS.equals(activity.getNamespaceURI())) {
            return Optional.empty();
        }
        if ("other".equals(activity.getLocalName())) {
            return switch (activity.getTextContent().trim().toLowerCase(Locale.ROOT)) {
                case OTHER_CHAT -> Optional.of(XmppShow.CHAT);
                case OTHER_EXTENDED_AWAY -> Optional.of(XmppShow.XA);
                default -> Optional.empty();
            };
        }
        return Optional.ofNullable(ACTIVITIES.get(activity.getLocalName()));
    }

    private static Optional<String> status(Element root, List<Element> tuples, List<Element> openTuples) {
        List<Element> personNotes = new ArrayList<>();
        for (Element person : Dom.children(root, Dom.DATA_MODEL_NS, "person")) {
            personNotes.addAll(Dom.children(person, Dom.DATA_MODEL_NS, "note"));
        }
        return Dom.firstText(personNotes)
                .or(() -> Dom.firstText(tupleNotes(openTuples)))
                .or(() -> Dom.firstText(Dom.children(root, Dom.PIDF_NS, "note")))
                .or(() -> Dom.firstText(tupleNotes(tuples)));
    }

    private static List<Element> tupleNotes(List<Element> tuples) {
        List<Element> notes = new ArrayList<>();
        for (Element tuple : tuples) {
            notes.addAll(Dom.children(tuple, Dom.PIDF_NS, "note"));
        }
        return notes;
    }
}
