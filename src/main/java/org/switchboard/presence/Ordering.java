package org.switchboard.presence;

import java.util.Optional;

/** What became of an offered update. */
public enum Ordering {
    /** Newer than anything seen for its presentity and category: stored and delivered to listeners. */
    ACCEPTED,
    /** Older than the newest update already seen (here or, through the shared store, by another pool): dropped. */
    OUT_OF_ORDER,
    /** The very update already seen: dropped. */
    DUPLICATE;

    /**
     * The ordering rule. {@code newest} is the newest stamp seen for the key, if any. Deterministic and
     * the same on every instance, so pools that see the same updates in different orders agree.
     */
    public static Ordering judge(Optional<PresenceStamp> newest, PresenceStamp candidate) {
        if (newest.isEmpty()) {
            return ACCEPTED;
        }
        int comparison = candidate.compareTo(newest.get());
        return comparison > 0 ? ACCEPTED : comparison == 0 ? DUPLICATE : OUT_OF_ORDER;
    }
}
