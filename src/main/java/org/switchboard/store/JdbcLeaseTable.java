package org.switchboard.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.switchboard.pool.LeaseKey;
import org.switchboard.pool.LeaseRow;
import org.switchboard.pool.LeaseTable;
import org.switchboard.pool.Member;
import org.switchboard.pool.MemberState;

/**
 * The pool's tables over JDBC: plain statements, each conditional where two members may race (the same SQL on H2 and
 * PostgreSQL). Many leases are added, claimed or freed in batches of {@value #BATCH} statements per transaction, each
 * statement still conditional on its own row, in one order of keys for every member (so two members' batches cannot
 * deadlock on each other's row locks): one renewal of a member taking 2,000 leases is then a few commits, not 2,000.
 */
final class JdbcLeaseTable implements LeaseTable {

    /** SQLSTATE of a unique-constraint violation: another member inserted the same lease first. */
    private static final String UNIQUE_VIOLATION = "23505";
    /** Statements per transaction when leases are added, claimed or freed in bulk. */
    static final int BATCH = 500;
    private static final Comparator<LeaseKey> LOCK_ORDER = Comparator.comparing((LeaseKey k) -> k.kind().name()).thenComparing(LeaseKey::key);
    private static final String INSERT = "INSERT INTO pool_lease (kind, item_key, owner_id, epoch, changed_at) SELECT ?, ?, NULL, 0, ? "
            + "WHERE NOT EXISTS (SELECT 1 FROM pool_lease WHERE kind = ? AND item_key = ?)";
    private static final String CLAIM = "UPDATE pool_lease SET owner_id = ?, epoch = epoch + 1, changed_at = ? "
            + "WHERE kind = ? AND item_key = ? AND epoch = ?";
    private static final String RELEASE = "UPDATE pool_lease SET owner_id = NULL, epoch = epoch + 1, changed_at = ? "
            + "WHERE kind = ? AND item_key = ? AND owner_id = ?";

    private final DataSource dataSource;
    private final Clock clock;

    JdbcLeaseTable(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    @Override
    public void renew(Member member) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE pool_member SET address = ?, state = ?, lease_expires_at = ?, renewed_at = ?, started_at = ? WHERE instance_id = ?")) {
                bindMember(update, member);
                if (update.executeUpdate() > 0) {
                    return;
                }
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO pool_member (address, state, lease_expires_at, renewed_at, started_at, instance_id) VALUES (?, ?, ?, ?, ?, ?)")) {
                bindMember(insert, member);
                insert.executeUpdate();
            }
        } catch (SQLException e) {
            throw new StorageException("Cannot renew the pool membership of " + member.instanceId() + ": " + e.getMessage(), e);
        }
    }

    private static void bindMember(PreparedStatement s, Member member) throws SQLException {
        s.setString(1, member.address());
        s.setString(2, member.state().name());
        s.setTimestamp(3, Timestamp.from(member.leaseExpiresAt()));
        s.setTimestamp(4, Timestamp.from(member.renewedAt()));
        s.setTimestamp(5, Timestamp.from(member.startedAt()));
        s.setString(6, member.instanceId());
    }

    @Override
    public Optional<Member> member(String instanceId) {
        return members("WHERE instance_id = ?", instanceId).stream().findFirst();
    }

    @Override
    public List<Member> members() {
        return members("", null);
    }

    private List<Member> members(String where, String instanceId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement(
                     "SELECT instance_id, address, state, lease_expires_at, renewed_at, started_at FROM pool_member " + where)) {
            if (instanceId != null) {
                select.setString(1, instanceId);
            }
            List<Member> members = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    members.add(new Member(rs.getString(1), rs.getString(2), MemberState.valueOf(rs.getString(3)),
                            rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant()));
                }
            }
            return members;
        } catch (SQLException e) {
            throw new StorageException("Cannot read the pool's members: " + e.getMessage(), e);
        }
    }

    @Override
    public List<LeaseRow> leases() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT kind, item_key, owner_id, epoch FROM pool_lease");
             ResultSet rs = select.executeQuery()) {
            List<LeaseRow> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(new LeaseRow(new LeaseKey(LeaseKey.Kind.valueOf(rs.getString(1)), rs.getString(2)),
                        Optional.ofNullable(rs.getString(3)), rs.getLong(4)));
            }
            return rows;
        } catch (SQLException e) {
            throw new StorageException("Cannot read the pool's leases: " + e.getMessage(), e);
        }
    }

    @Override
    public void insertIfAbsent(LeaseKey key) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement(INSERT)) {
            bindInsert(insert, key, Timestamp.from(clock.instant()));
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new StorageException("Cannot add the lease " + key + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean claim(LeaseKey key, long epoch, String owner, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement update = c.prepareStatement(CLAIM)) {
            bindClaim(update, key, epoch, owner, Timestamp.from(at));
            return update.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StorageException("Cannot claim the lease " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean release(LeaseKey key, String owner, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement update = c.prepareStatement(RELEASE)) {
            bindRelease(update, key, owner, Timestamp.from(at));
            return update.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StorageException("Cannot release the lease " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void insertAllIfAbsent(Collection<LeaseKey> keys) {
        Timestamp now = Timestamp.from(clock.instant());
        for (List<LeaseKey> batch : batches(keys)) {
            try {
                inBatch(INSERT, batch, (statement, key) -> bindInsert(statement, key, now));
            } catch (SQLException e) {
                if (!isUniqueViolation(e)) {
                    throw new StorageException("Cannot add " + batch.size() + " leases: " + e.getMessage(), e);
                }
                batch.forEach(this::insertIfAbsent); // another member added some of them meanwhile: one by one
            }
        }
    }

    @Override
    public Set<LeaseKey> claimAll(Map<LeaseKey, Long> epochs, String owner, Instant at) {
        Timestamp when = Timestamp.from(at);
        Set<LeaseKey> claimed = new HashSet<>();
        for (List<LeaseKey> batch : batches(epochs.keySet())) {
            try {
                int[] counts = inBatch(CLAIM, batch, (statement, key) -> bindClaim(statement, key, epochs.get(key), owner, when));
                for (int i = 0; i < batch.size(); i++) {
                    if (counts[i] == 1) {
                        claimed.add(batch.get(i));
                    }
                }
            } catch (SQLException e) {
                throw new StorageException("Cannot claim " + batch.size() + " leases: " + e.getMessage(), e);
            }
        }
        return claimed;
    }

    @Override
    public void releaseAll(Collection<LeaseKey> keys, String owner, Instant at) {
        Timestamp when = Timestamp.from(at);
        for (List<LeaseKey> batch : batches(keys)) {
            try {
                inBatch(RELEASE, batch, (statement, key) -> bindRelease(statement, key, owner, when));
            } catch (SQLException e) {
                throw new StorageException("Cannot release " + batch.size() + " leases: " + e.getMessage(), e);
            }
        }
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement statement, LeaseKey key) throws SQLException;
    }

    /** One statement per key, in one transaction; each statement's update count (rolled back as a whole on failure). */
    private int[] inBatch(String sql, List<LeaseKey> keys, Binder binder) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement statement = c.prepareStatement(sql)) {
                for (LeaseKey key : keys) {
                    binder.bind(statement, key);
                    statement.addBatch();
                }
                int[] counts = statement.executeBatch();
                c.commit();
                return counts;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    /** The keys in the one order every member uses, cut into transactions. */
    private static List<List<LeaseKey>> batches(Collection<LeaseKey> keys) {
        List<LeaseKey> ordered = new ArrayList<>(keys);
        ordered.sort(LOCK_ORDER);
        List<List<LeaseKey>> batches = new ArrayList<>();
        for (int from = 0; from < ordered.size(); from += BATCH) {
            batches.add(ordered.subList(from, Math.min(ordered.size(), from + BATCH)));
        }
        return batches;
    }

    private static boolean isUniqueViolation(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (UNIQUE_VIOLATION.equals(s.getSQLState()) || Transactions.isUniqueViolation(s)) {
                return true;
            }
        }
        return false;
    }

    private static void bindInsert(PreparedStatement insert, LeaseKey key, Timestamp now) throws SQLException {
        insert.setString(1, key.kind().name());
        insert.setString(2, key.key());
        insert.setTimestamp(3, now);
        insert.setString(4, key.kind().name());
        insert.setString(5, key.key());
    }

    private static void bindClaim(PreparedStatement update, LeaseKey key, long epoch, String owner, Timestamp at) throws SQLException {
        update.setString(1, owner);
        update.setTimestamp(2, at);
        update.setString(3, key.kind().name());
        update.setString(4, key.key());
        update.setLong(5, epoch);
    }

    private static void bindRelease(PreparedStatement update, LeaseKey key, String owner, Timestamp at) throws SQLException {
        update.setTimestamp(1, at);
        update.setString(2, key.kind().name());
        update.setString(3, key.key());
        update.setString(4, owner);
    }
}
