package org.switchboard.presence;

import java.util.Optional;

/** The shared store behind {@link PresenceStore}: the database, seen only through this narrow interface. */
public interface PresenceRepository {

    /**
     * Stores {@code update} if, and only if, it is newer (by {@link PresenceStamp}) than what is stored
     * for its key, in one atomic conditional statement.
     *
     * @return true when the update was written, false when the store already held a newer or equal one
     * @throws RuntimeException when the store cannot be reached
     */
    boolean writeIfNewer(PresenceUpdate update, String sourcePool);

    /** The stored update for a key. */
    Optional<PresenceUpdate> load(PresenceKey key);
}
