package org.switchboard.presence;

/**
 * Told of every accepted update. Calls for one presentity and category come one at a time and in
 * publish-time order; keep them quick, since the next update of that key waits for the call to return.
 */
@FunctionalInterface
public interface PresenceListener {
    void onPresence(PresenceUpdate update);
}
