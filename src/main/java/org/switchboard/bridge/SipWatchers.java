package org.switchboard.bridge;

import java.time.Duration;
import java.util.Optional;

/** The SIP dialogs of incoming subscriptions (SIP users watching XMPP users), as the bridge drives them. */
public interface SipWatchers {

    /** What one NOTIFY says. */
    enum NoticeState { PENDING, ACTIVE, TERMINATED }

    /**
     * One NOTIFY's content.
     *
     * @param state     its Subscription-State
     * @param remaining the expires parameter of a pending or active state
     * @param reason    the reason of a terminated state (empty: none)
     * @param pidf      the presence document it carries, if any
     */
    record Notice(NoticeState state, Duration remaining, String reason, Optional<String> pidf) {

        public static Notice pending(Duration remaining) {
            return new Notice(NoticeState.PENDING, remaining, "", Optional.empty());
        }

        public static Notice active(Duration remaining, String pidf) {
            return new Notice(NoticeState.ACTIVE, remaining, "", Optional.of(pidf));
        }

        public static Notice terminated(String reason) {
            return new Notice(NoticeState.TERMINATED, Duration.ZERO, reason, Optional.empty());
        }
    }

    /**
     * Sends a NOTIFY in the watcher's dialog. False when there is no live dialog (after a restart, until the SIP
     * side subscribes again). A terminated notice ends the dialog.
     */
    boolean notify(Watch watch, Notice notice);

    /** Forgets every dialog without a word on the wire (the bridge no longer runs here; its dialogs expire on their own). */
    default void forgetAll() {
    }

    /** A SIP user watching an XMPP user. */
    record Watch(org.switchboard.endpoint.Aor sipWatcher, BareJid xmppUser) {
    }
}
