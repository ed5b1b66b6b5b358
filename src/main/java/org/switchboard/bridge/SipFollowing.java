package org.switchboard.bridge;

import org.switchboard.endpoint.Aor;
import org.switchboard.presence.view.PresenceViewListener;
import org.switchboard.presence.view.RemotePresenceView;

/** Opens the outgoing SIP subscriptions of one XMPP user: a presence view that subscribes as that user's SIP address. */
@FunctionalInterface
public interface SipFollowing {

    RemotePresenceView open(Aor subscriberAddress, PresenceViewListener listener);
}
