package org.switchboard.pool;

import java.util.Objects;

/**
 * One piece of work that exactly one instance of a pool does at a time: a user endpoint's registration, a
 * presence view's subscription to one target, or the XMPP bridge's component connection.
 */
public record LeaseKey(Kind kind, String key) {

    /** What kind of work a lease holds. */
    public enum Kind {
        /** A user endpoint's registration (key: the endpoint's name). */
        REGISTRATION,
        /** A presence view's subscription to one target (key: endpoint, view number, target). */
        VIEW_TARGET,
        /** The XMPP bridge's component connection, and with it every bridged subscription (key: the component). */
        BRIDGE
    }

    public LeaseKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return kind + " " + key;
    }
}
