package org.switchboard.presence;

import java.util.List;
import java.util.Optional;
import org.switchboard.endpoint.Aor;

/**
 * Presence by presentity and category, kept in publish-time order across application pools. What the
 * presence views and the bridge feed, and what listeners downstream read: a listener only ever sees a
 * presentity's category move forward in publish time.
 */
public interface PresenceStore {

    /** Offers one update; an older or already-seen update is dropped (and counted). */
    Ordering offer(PresenceUpdate update);

    /**
     * Parses a presence body (PIDF or Microsoft categories) for {@code presentity} and offers each
     * update it carries.
     *
     * @throws PresenceDocumentException when the body is refused; nothing of it is stored
     */
    List<Ordering> offer(Aor presentity, String contentType, String body);

    /** The newest update seen for a presentity's category. */
    Optional<PresenceUpdate> current(PresenceKey key);

    /** The newest update of every category seen for a presentity. */
    List<PresenceUpdate> current(Aor presentity);

    /** Adds a listener for every accepted update, called in publish-time order per presentity and category. */
    void addListener(PresenceListener listener);

    void removeListener(PresenceListener listener);

    /** What has been offered so far, and what became of it. */
    PresenceCounts counts();
}
