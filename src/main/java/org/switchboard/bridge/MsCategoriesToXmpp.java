package org.switchboard.bridge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.switchboard.presence.PublishTime;
import org.w3c.dom.Element;

/**
 * Microsoft {@code application/msrtc-event-categories+xml} to an XMPP presence.
 *
 * <p>The availability is read from the {@code state} categories: an aggregate state (the one the server
 * computes from all of the user's devices, {@code xsi:type="aggregateState"}) is preferred over a user or
 * machine state, and among equals the newest {@code publishTime} wins, then the later in the document.
 * A state whose {@code <availability>} is not a number is skipped. No usable state means offline.
 *
 * <p>The status is the newest {@code note} category's personal note, else its other (out-of-office)
 * note; with none, "Busy" for the Busy range, so that XMPP watchers can tell busy from do-not-disturb.
 */
final class MsCategoriesToXmpp {

    static final String BUSY_STATUS = "Busy";

    private MsCategoriesToXmpp() {
    }

    /** Microsoft's availability ranges (lower bounds), read from the top. */
    static XmppShow show(int availability) {
        if (availability >= 18000) {
            return XmppShow.OFFLINE;     // Offline
        }
        if (availability >= 15000) {
            return XmppShow.XA;          // Away (long inactivity, off work)
        }
        if (availability >= 12000) {
            return XmppShow.AWAY;        // Be right back
        }
        if (availability >= 6000) {
            return XmppShow.DND;         // Busy, busy-idle, do not disturb
        }
        if (availability >= 4500) {
            return XmppShow.AWAY;        // Idle: available but not at the keyboard
        }
        if (availability >= 3000) {
            return XmppShow.ONLINE;      // Available
        }
        return XmppShow.OFFLINE;         // 0-2999: no availability published
    }

    static XmppPresence map(Element root) {
        Dom.requireRoot(root, Dom.CATEGORIES_NS, "categories");
        List<Element> categories = Dom.children(root, Dom.CATEGORIES_NS, "category");
        OptionalInt availability = availability(named(categories, "state"));
        Optional<String> note = note(named(categories, "note"));
        if (availability.isEmpty()) {
            return new XmppPresence(XmppShow.OFFLINE, note);
        }
        int value = availability.getAsInt();
        boolean busy = value >= 6000 && value < 7500;
        return new XmppPresence(show(value), busy ? note.or(() -> Optional.of(BUSY_STATUS)) : note);
    }

    private record State(int availability, boolean aggregate, PublishTime published, int order) {
    }

    private static OptionalInt availability(List<Element> stateCategories) {
        List<State> states = new ArrayList<>();
        for (Element category : stateCategories) {
            for (Element state : Dom.children(category, Dom.MS_STATE_NS, "state")) {
                boolean aggregate = state.getAttributeNS(Dom.XSI_NS, "type").endsWith("aggregateState");
                parseInt(Dom.firstText(Dom.children(state, Dom.MS_STATE_NS, "availability")))
                        .ifPresent(value -> states.add(new State(value, aggregate, publishTime(category), states.size())));
            }
        }
        return states.stream()
                .max(Comparator.comparing(State::aggregate).thenComparing(State::published).thenComparingInt(State::order))
                .map(state -> OptionalInt.of(state.availability()))
                .orElse(OptionalInt.empty());
    }

    private static Optional<String> note(List<Element> noteCategories) {
        List<Element> newestFirst = new ArrayList<>(noteCategories);
        Collections.reverse(newestFirst); // among equal publish times the later one wins
        newestFirst.sort(Comparator.comparing(MsCategoriesToXmpp::publishTime).reversed());
        for (Element category : newestFirst) {
            List<Element> bodies = new ArrayList<>();
            for (Element note : Dom.children(category, Dom.MS_NOTE_NS, "note")) {
                bodies.addAll(Dom.children(note, Dom.MS_NOTE_NS, "body"));
            }
            List<Element> personal = bodies.stream().filter(body -> "personal".equalsIgnoreCase(body.getAttribute("type"))).toList();
            Optional<String> text = Dom.firstText(personal).or(() -> Dom.firstText(bodies));
            if (text.isPresent()) {
                return text;
            }
        }
        return Optional.empty();
    }

    private static List<Element> named(List<Element> categories, String name) {
        return categories.stream().filter(category -> name.equals(category.getAttribute("name"))).toList();
    }

    private static PublishTime publishTime(Element category) {
        String text = category.getAttribute("publishTime");
        if (text.isBlank()) {
            return PublishTime.UNKNOWN;
        }
        try {
            return PublishTime.parse(text);
        } catch (IllegalArgumentException e) {
            return PublishTime.UNKNOWN;
        }
    }

    private static OptionalInt parseInt(Optional<String> text) {
        if (text.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(text.get().trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
