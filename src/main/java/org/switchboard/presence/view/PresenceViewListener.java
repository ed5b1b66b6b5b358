package org.switchboard.presence.view;

/** What a view tells its owner. Calls for one target come one at a time, in order. */
public interface PresenceViewListener {

    /** Presence of a target: the first NOTIFY (or a 200 body), then every NOTIFY of the live dialog. */
    default void onNotification(PresenceNotification notification) {
    }

    /** A target's subscription changed state: old state, new state and why. */
    default void onStateChanged(StateChange change) {
    }
}
