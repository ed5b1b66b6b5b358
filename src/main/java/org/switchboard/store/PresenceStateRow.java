package org.switchboard.store;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Objects;

/** A presentity's newest update of one category, as the shared store holds it. Written only by the conditional statement. */
@Entity
@Table(name = "presence_state")
class PresenceStateRow {

    @EmbeddedId
    Key key;

    /** Epoch microseconds; {@link Long#MIN_VALUE} when the update carried no publish time. */
    @Column(name = "publish_time", nullable = false)
    long publishTime;

    @Column(name = "digest", nullable = false)
    long digest;

    @Column(name = "content_type", nullable = false)
    String contentType;

    @Column(name = "document", nullable = false)
    String document;

    @Column(name = "source_pool", nullable = false)
    String sourcePool;

    @Column(name = "stored_at", nullable = false)
    OffsetDateTime storedAt;

    @Embeddable
    static class Key implements Serializable {
        private static final long serialVersionUID = 1L;

        @Column(name = "presentity", nullable = false)
        String presentity;

        @Column(name = "category", nullable = false)
        String category;

        Key() {
        }

        Key(String presentity, String category) {
            this.presentity = presentity;
            this.category = category;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && presentity.equals(other.presentity) && category.equals(other.category);
        }

        @Override
        public int hashCode() {
            return Objects.hash(presentity, category);
        }
    }
}
