package org.switchboard.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * One bridged subscription in one direction, as table {@code subscription_record} holds it. Written only by
 * the conditional statement of {@link SqlDialect#upsertSubscriptionRecord()}; read as an entity. Timestamps
 * are stored in UTC with microsecond precision; {@code routeSet} holds the route URIs one a line (see
 * {@link JpaSubscriptionRepository}).
 */
@Entity
@Table(name = "subscription_record")
class SubscriptionRecordRow {

    @Id
    @Column(name = "id", nullable = false)
    String id;

    @Column(name = "direction", nullable = false)
    String direction;

    @Column(name = "sip_aor", nullable = false)
    String sipAor;

    @Column(name = "xmpp_jid", nullable = false)
    String xmppJid;

    @Column(name = "state", nullable = false)
    String state;

    @Column(name = "activated_at", nullable = false)
    OffsetDateTime activatedAt;

    /** Null while never recovered. */
    @Column(name = "last_recovered_at")
    OffsetDateTime lastRecoveredAt;

    /** The record's own version (not JPA optimistic locking: the conditional statement compares it). */
    @Column(name = "version", nullable = false)
    long version;

    @Column(name = "call_id", nullable = false)
    String callId;

    @Column(name = "local_tag", nullable = false)
    String localTag;

    @Column(name = "remote_tag", nullable = false)
    String remoteTag;

    @Column(name = "local_cseq", nullable = false)
    long localCseq;

    @Column(name = "remote_cseq", nullable = false)
    long remoteCseq;

    @Column(name = "route_set", nullable = false)
    String routeSet;

    @Column(name = "remote_target", nullable = false)
    String remoteTarget;

    /** Null when the subscription has no known expiry. */
    @Column(name = "expires_at")
    OffsetDateTime expiresAt;
}
