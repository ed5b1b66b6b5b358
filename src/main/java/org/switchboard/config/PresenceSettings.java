package org.switchboard.config;

/** Presence handling: the largest presence body accepted, in characters; larger ones are refused unread. */
public record PresenceSettings(int maxDocumentChars) {

    static PresenceSettings defaults() {
        return new PresenceSettings(65_536);
    }
}
