package org.switchboard.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.hibernate.query.NativeQuery;
import org.switchboard.endpoint.Aor;
import org.switchboard.subscription.DialogData;
import org.switchboard.subscription.Direction;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.subscription.SubscriptionRecord.RecordState;
import org.switchboard.subscription.SubscriptionRecord.SubscriptionKey;
import org.switchboard.subscription.SubscriptionRepository;

/**
 * The subscription table, through JPA: a native conditional write per dialect, entity reads.
 *
 * <p>Timestamps are stored in UTC and cut to whole microseconds before they are written (PostgreSQL keeps
 * no more, H2 would round), so a record reads back exactly as written up to the microsecond. A recovery
 * run's start is cut the same way, so that a record recovered at or after the start never counts as stale.
 *
 * <p>The route set is one text column, its URIs one a line. A route URI is never empty and never holds a
 * line break, so the encoding is unambiguous; an entry that breaks this is refused before the database.
 */
final class JpaSubscriptionRepository implements SubscriptionRepository {

    private static final String ROUTE_SEPARATOR = "\n";

    private final EntityManagerFactory entities;
    private final SqlDialect dialect;

    JpaSubscriptionRepository(EntityManagerFactory entities, SqlDialect dialect) {
        this.entities = entities;
        this.dialect = dialect;
    }

    @Override
    public void upsert(SubscriptionRecord record) {
        String routeSet = encodeRouteSet(record.dialog().routeSet());
        try {
            conditionalWrite(record, routeSet);
        } catch (PersistenceException e) {
            // A concurrent insert of the same record can trip a unique key: H2's MERGE on any, PostgreSQL's
            // ON CONFLICT (id) on the other unique key (direction, AOR, JID), which is no arbiter. Run again,
            // now as an update. A second violation is real (another id holding the same key) and is thrown.
            if (isUniqueViolation(e)) {
                conditionalWrite(record, routeSet);
                return;
            }
            throw e;
        }
    }

    /** Many records in one transaction: one conditional statement each, one commit. */
    @Override
    public void upsertAll(List<SubscriptionRecord> records) {
        try {
            inTransaction(em -> {
                for (SubscriptionRecord record : records) {
                    write(em, record, encodeRouteSet(record.dialog().routeSet()));
                }
                return null;
            });
        } catch (PersistenceException e) {
            if (isUniqueViolation(e)) {
                records.forEach(this::upsert); // one by one, each with its own retry
                return;
            }
            throw e;
        }
    }

    @Override
    public void deleteAll(List<String> ids) {
        if (!ids.isEmpty()) {
            inTransaction(em -> em.createQuery("DELETE FROM SubscriptionRecordRow r WHERE r.id IN :ids")
                    .setParameter("ids", ids)
                    .executeUpdate());
        }
    }

    private void conditionalWrite(SubscriptionRecord record, String routeSet) {
        inTransaction(em -> write(em, record, routeSet));
    }

    private int write(EntityManager em, SubscriptionRecord record, String routeSet) {
        DialogData dialog = record.dialog();
        {
            NativeQuery<?> query = em.createNativeQuery(dialect.upsertSubscriptionRecord()).unwrap(NativeQuery.class);
            query.setParameter(1, record.id())
                    .setParameter(2, record.direction().name())
                    .setParameter(3, record.sipAor().toString())
                    .setParameter(4, record.xmppJid())
                    .setParameter(5, record.state().name())
                    .setParameter(6, utc(record.activatedAt()), OffsetDateTime.class)
                    .setParameter(7, record.lastRecoveredAt().map(JpaSubscriptionRepository::utc).orElse(null), OffsetDateTime.class)
                    .setParameter(8, record.version())
                    .setParameter(9, dialog.callId())
                    .setParameter(10, dialog.localTag())
                    .setParameter(11, dialog.remoteTag())
                    .setParameter(12, dialog.localCseq())
                    .setParameter(13, dialog.remoteCseq())
                    .setParameter(14, routeSet)
                    .setParameter(15, dialog.remoteTarget())
                    .setParameter(16, dialog.expiresAt().map(JpaSubscriptionRepository::utc).orElse(null), OffsetDateTime.class);
            return query.executeUpdate();
        }
    }

    @Override
    public void delete(String id) {
        inTransaction(em -> em.createQuery("DELETE FROM SubscriptionRecordRow r WHERE r.id = :id")
                .setParameter("id", id)
                .executeUpdate());
    }

    @Override
    public Optional<SubscriptionRecord> find(String id) {
        return read(em -> Optional.ofNullable(em.find(SubscriptionRecordRow.class, id)).map(JpaSubscriptionRepository::toRecord));
    }

    @Override
    public Optional<SubscriptionRecord> find(SubscriptionKey key) {
        return read(em -> em.createQuery("SELECT r FROM SubscriptionRecordRow r"
                        + " WHERE r.direction = :direction AND r.sipAor = :sipAor AND r.xmppJid = :xmppJid", SubscriptionRecordRow.class)
                .setParameter("direction", key.direction().name())
                .setParameter("sipAor", key.sipAor().toString())
                .setParameter("xmppJid", key.xmppJid())
                .getResultStream()
                .findFirst() // the table's unique key allows at most one
                .map(JpaSubscriptionRepository::toRecord));
    }

    @Override
    public List<SubscriptionRecord> stalest(Instant runStart, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        return read(em -> {
            @SuppressWarnings("unchecked")
            List<SubscriptionRecordRow> rows = em.createNativeQuery(dialect.stalestSubscriptionRecords(), SubscriptionRecordRow.class)
                    .unwrap(NativeQuery.class)
                    .setParameter(1, utc(runStart), OffsetDateTime.class)
                    .setParameter(2, batchSize)
                    .getResultList();
            return rows.stream().map(JpaSubscriptionRepository::toRecord).toList();
        });
    }

    @Override
    public long countNotRecoveredSince(Instant runStart) {
        return read(em -> em.createQuery("SELECT COUNT(r) FROM SubscriptionRecordRow r"
                        + " WHERE r.lastRecoveredAt IS NULL OR r.lastRecoveredAt < :runStart", Long.class)
                .setParameter("runStart", utc(runStart))
                .getSingleResult());
    }

    @Override
    public List<SubscriptionRecord> all() {
        List<SubscriptionRecord> records = new ArrayList<>(read(em -> em.createQuery("SELECT r FROM SubscriptionRecordRow r",
                SubscriptionRecordRow.class).getResultStream().map(JpaSubscriptionRepository::toRecord).toList()));
        // In id order, compared in Java: the same on every database whatever its collation.
        records.sort(Comparator.comparing(SubscriptionRecord::id));
        return records;
    }

    private static SubscriptionRecord toRecord(SubscriptionRecordRow row) {
        DialogData dialog = new DialogData(row.callId, row.localTag, row.remoteTag, row.localCseq, row.remoteCseq,
                decodeRouteSet(row.routeSet), row.remoteTarget, Optional.ofNullable(row.expiresAt).map(OffsetDateTime::toInstant));
        return new SubscriptionRecord(row.id, Direction.valueOf(row.direction), Aor.parse(row.sipAor), row.xmppJid,
                RecordState.valueOf(row.state), row.activatedAt.toInstant(),
                Optional.ofNullable(row.lastRecoveredAt).map(OffsetDateTime::toInstant), dialog, row.version);
    }

    static String encodeRouteSet(List<String> routeSet) {
        for (String route : routeSet) {
            if (route.isEmpty() || route.indexOf('\n') >= 0 || route.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("a route must be a non-empty URI on one line: \"" + route + "\"");
            }
        }
        return String.join(ROUTE_SEPARATOR, routeSet);
    }

    static List<String> decodeRouteSet(String column) {
        return column.isEmpty() ? List.of() : List.of(column.split(ROUTE_SEPARATOR, -1));
    }

    /** The instant in UTC, cut to whole microseconds. */
    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private <T> T read(Function<EntityManager, T> work) {
        EntityManager em = entities.createEntityManager();
        try {
            return work.apply(em);
        } finally {
            em.close();
        }
    }

    private <T> T inTransaction(Function<EntityManager, T> work) {
        return Transactions.inTransaction(entities, work);
    }

    private static boolean isUniqueViolation(Throwable e) {
        return Transactions.isUniqueViolation(e);
    }
}
