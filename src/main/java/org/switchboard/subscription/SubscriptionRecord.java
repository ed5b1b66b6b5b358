package org.switchboard.subscription;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.switchboard.endpoint.Aor;

/**
 * One bridged subscription in one direction, as persisted: who subscribes to whom, its state, when it was
 * activated and last recovered, and its dialog. {@code version} grows with every change, so an older write
 * never replaces a newer one.
 */
public record SubscriptionRecord(String id, Direction direction, Aor sipAor, String xmppJid, RecordState state,
        Instant activatedAt, Optional<Instant> lastRecoveredAt, DialogData dialog, long version) {

    /** Where a record stands. */
    public enum RecordState {
        /** Asked for, not yet accepted by the other side. */
        PENDING,
        /** In force. */
        ACTIVE
    }

    public SubscriptionRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(sipAor, "sipAor");
        Objects.requireNonNull(xmppJid, "xmppJid");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(activatedAt, "activatedAt");
        Objects.requireNonNull(lastRecoveredAt, "lastRecoveredAt");
        Objects.requireNonNull(dialog, "dialog");
    }

    /** Who subscribes to whom, in which direction: at most one record each. */
    public SubscriptionKey key() {
        return new SubscriptionKey(direction, sipAor, xmppJid);
    }

    public SubscriptionRecord withState(RecordState newState) {
        return new SubscriptionRecord(id, direction, sipAor, xmppJid, newState, activatedAt, lastRecoveredAt, dialog, version + 1);
    }

    public SubscriptionRecord withDialog(DialogData newDialog) {
        return new SubscriptionRecord(id, direction, sipAor, xmppJid, state, activatedAt, lastRecoveredAt, newDialog, version + 1);
    }

    public SubscriptionRecord recoveredAt(Instant when) {
        return new SubscriptionRecord(id, direction, sipAor, xmppJid, state, activatedAt, Optional.of(when), dialog, version + 1);
    }

    /** Who subscribes to whom, in which direction. */
    public record SubscriptionKey(Direction direction, Aor sipAor, String xmppJid) {
    }
}
