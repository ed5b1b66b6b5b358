package org.switchboard.presence.view;

import java.time.Duration;
import org.switchboard.endpoint.Aor;

/**
 * The SIP edge as a view's subscriptions see it. The answer comes back later through
 * {@link RemotePresenceView.Wire#onResponse} with the same request id.
 */
public interface SubscribeSender {

    /**
     * Sends SUBSCRIBE {@code Event: presence} to {@code target}.
     *
     * @param dialog    which dialog: a new number means a new dialog (a new Call-ID); the same number
     *                  means inside the dialog that number's first SUBSCRIBE created
     * @param expires   the Expires to ask for; zero ends the subscription (or, in polling mode, fetches once)
     * @param requestId echoed with the answer
     */
    void subscribe(Aor target, long dialog, Duration expires, long requestId);
}
