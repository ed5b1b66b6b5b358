package org.switchboard.presence.view;

import org.switchboard.endpoint.Aor;

/** What one target's subscription tells its view: transitions and presence bodies. */
interface SubscriptionEvents {

    void stateChanged(StateChange change);

    /** A presence body from a NOTIFY of the live dialog, or from a 200 to SUBSCRIBE. */
    void presence(Aor target, String contentType, String body);
}
