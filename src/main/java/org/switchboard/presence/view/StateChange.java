package org.switchboard.presence.view;

import java.time.Instant;
import org.switchboard.endpoint.Aor;

/** One transition of a target's subscription, as raised to listeners and logged. */
public record StateChange(Aor target, SubscriptionState from, SubscriptionState to, String reason, Instant at) {

    @Override
    public String toString() {
        return target + ": " + from + " -> " + to + " (" + reason + ")";
    }
}
