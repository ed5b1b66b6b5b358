package org.switchboard.bridge;

import java.util.Objects;
import java.util.Optional;

/**
 * One XMPP presence: its show and its optional {@code <status/>} text. A blank status is no status,
 * so that "no text" has one representation on both sides of the bridge.
 */
public record XmppPresence(XmppShow show, Optional<String> status) {

    public XmppPresence {
        Objects.requireNonNull(show, "show");
        status = Objects.requireNonNull(status, "status").filter(text -> !text.isBlank());
    }

    /** {@code <presence type='unavailable'/>} without a status. */
    public static XmppPresence offline() {
        return new XmppPresence(XmppShow.OFFLINE, Optional.empty());
    }

    public static XmppPresence of(XmppShow show) {
        return new XmppPresence(show, Optional.empty());
    }

    public static XmppPresence of(XmppShow show, String status) {
        return new XmppPresence(show, Optional.ofNullable(status));
    }

    public boolean available() {
        return show != XmppShow.OFFLINE;
    }
}
