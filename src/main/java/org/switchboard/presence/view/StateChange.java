package org.switchboard.presence.view;

import java.time.Instant;
import org.switchboard.endpoint.Aor;

/** One transition of a target's subscription, as raised to listeners and logged. */
public record StateChange(Aor target, SubscriptionState from, SubscriptionState to, String reason, Instant at) {

    /** Marks the reason of an ending that will not be retried (a final rejection by the peer). */
    static final String FINAL = " (final)";

    /** The subscription ended for good: the peer refused it finally, nothing will re-establish it. */
    public boolean isFinalEnd() {
        return to == SubscriptionState.TERMINATED && reason.endsWith(FINAL);
    }

    @Override
    public String toString() {
        return target + ": " + from + " -> " + to + " (" + reason + ")";
    }
}
