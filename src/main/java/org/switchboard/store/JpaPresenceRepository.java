package org.switchboard.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.function.Function;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceKey;
import org.switchboard.presence.PresenceRepository;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.PublishTime;

/** The presence store's table, through JPA: a native conditional write per dialect, entity reads. */
final class JpaPresenceRepository implements PresenceRepository {

    private final EntityManagerFactory entities;
    private final SqlDialect dialect;
    private final Clock clock;

    JpaPresenceRepository(EntityManagerFactory entities, SqlDialect dialect, Clock clock) {
        this.entities = entities;
        this.dialect = dialect;
        this.clock = clock;
    }

    @Override
    public boolean writeIfNewer(PresenceUpdate update, String sourcePool) {
        try {
            return conditionalWrite(update, sourcePool);
        } catch (PersistenceException e) {
            // H2's MERGE can meet a concurrent insert of the same key; run again, now as an update.
            if (dialect == SqlDialect.H2 && isUniqueViolation(e)) {
                return conditionalWrite(update, sourcePool);
            }
            throw e;
        }
    }

    private boolean conditionalWrite(PresenceUpdate update, String sourcePool) {
        return inTransaction(em -> em.createNativeQuery(dialect.conditionalPresenceWrite())
                .setParameter(1, update.presentity().toString())
                .setParameter(2, update.category())
                .setParameter(3, update.publishTime().epochMicros())
                .setParameter(4, update.digest())
                .setParameter(5, update.contentType())
                .setParameter(6, update.document())
                .setParameter(7, sourcePool)
                .setParameter(8, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
                .executeUpdate()) == 1;
    }

    @Override
    public Optional<PresenceUpdate> load(PresenceKey key) {
        EntityManager em = entities.createEntityManager();
        try {
            PresenceStateRow row = em.find(PresenceStateRow.class, new PresenceStateRow.Key(key.presentity().toString(), key.category()));
            return Optional.ofNullable(row).map(JpaPresenceRepository::toUpdate);
        } finally {
            em.close();
        }
    }

    private static PresenceUpdate toUpdate(PresenceStateRow row) {
        return new PresenceUpdate(Aor.parse(row.key.presentity), row.key.category, new PublishTime(row.publishTime),
                row.contentType, row.document, row.digest);
    }

    private <T> T inTransaction(Function<EntityManager, T> work) {
        return Transactions.inTransaction(entities, work);
    }

    private static boolean isUniqueViolation(Throwable e) {
        return Transactions.isUniqueViolation(e);
    }
}
