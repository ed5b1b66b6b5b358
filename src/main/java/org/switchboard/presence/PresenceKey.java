package org.switchboard.presence;

import java.util.Objects;
import org.switchboard.endpoint.Aor;

/** What ordering is per: one presentity and one category of its presence. */
public record PresenceKey(Aor presentity, String category) {

    public PresenceKey {
        Objects.requireNonNull(presentity, "presentity");
        Objects.requireNonNull(category, "category");
    }

    @Override
    public String toString() {
        return presentity + " [" + category + "]";
    }
}
