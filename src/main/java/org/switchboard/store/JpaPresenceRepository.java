package org.switchboard.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.sql.DataSource;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceKey;
import org.switchboard.presence.PresenceRepository;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.PublishTime;

/**
 * The presence store's table: the conditional write per dialect as one plain JDBC statement on the pool's connection
 * (it is on every NOTIFY's path: through JPA, opening a session and parsing the native query cost more than the
 * statement itself), entity reads through JPA.
 */
final class JpaPresenceRepository implements PresenceRepository {

    private final EntityManagerFactory entities;
    private final DataSource dataSource;
    private final SqlDialect dialect;
    private final String conditionalWrite;
    private final Clock clock;

    JpaPresenceRepository(EntityManagerFactory entities, DataSource dataSource, SqlDialect dialect, Clock clock) {
        this.entities = entities;
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.conditionalWrite = dialect.conditionalPresenceWrite();
        this.clock = clock;
    }

    @Override
    public boolean writeIfNewer(PresenceUpdate update, String sourcePool) {
        try {
            return conditionalWrite(update, sourcePool);
        } catch (StorageException e) {
            // H2's MERGE can meet a concurrent insert of the same key; run again, now as an update.
            if (dialect == SqlDialect.H2 && isUniqueViolation(e)) {
                return conditionalWrite(update, sourcePool);
            }
            throw e;
        }
    }

    /** One statement, committed on its own (the pool's connections commit each statement). */
    private boolean conditionalWrite(PresenceUpdate update, String sourcePool) {
        try (Connection c = dataSource.getConnection(); PreparedStatement write = c.prepareStatement(conditionalWrite)) {
            write.setString(1, update.presentity().toString());
            write.setString(2, update.category());
            write.setLong(3, update.publishTime().epochMicros());
            write.setLong(4, update.digest());
            write.setString(5, update.contentType());
            write.setString(6, update.document());
            write.setString(7, sourcePool);
            write.setObject(8, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            return write.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StorageException("Cannot store the presence of " + update.key() + ": " + e.getMessage(), e);
        }
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

    private static boolean isUniqueViolation(Throwable e) {
        return Transactions.isUniqueViolation(e);
    }
}
