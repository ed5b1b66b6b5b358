package org.switchboard.presence.view;

import java.util.List;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceUpdate;

/** A presence body received for a target, and the updates (with publish times) it carries. */
public record PresenceNotification(Aor target, String contentType, String body, List<PresenceUpdate> updates) {

    public PresenceNotification {
        updates = List.copyOf(updates);
    }
}
