package org.switchboard.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.switchboard.pool.LeaseKey;
import org.switchboard.pool.LeaseRow;
import org.switchboard.pool.LeaseTable;
import org.switchboard.pool.Member;
import org.switchboard.pool.MemberState;

/**
 * The pool's tables over JDBC: plain statements, each conditional where two members may race (the same SQL on H2 and
 * PostgreSQL).
 */
final class JdbcLeaseTable implements LeaseTable {

    /** SQLSTATE of a unique-constraint violation: another member inserted the same lease first. */
    private static final String UNIQUE_VIOLATION = "23505";

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
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO pool_lease (kind, item_key, owner_id, epoch, changed_at) SELECT ?, ?, NULL, 0, ? "
                             + "WHERE NOT EXISTS (SELECT 1 FROM pool_lease WHERE kind = ? AND item_key = ?)")) {
            insert.setString(1, key.kind().name());
            insert.setString(2, key.key());
            insert.setTimestamp(3, Timestamp.from(clock.instant()));
            insert.setString(4, key.kind().name());
            insert.setString(5, key.key());
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new StorageException("Cannot add the lease " + key + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean claim(LeaseKey key, long epoch, String owner, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement update = c.prepareStatement(
                "UPDATE pool_lease SET owner_id = ?, epoch = epoch + 1, changed_at = ? WHERE kind = ? AND item_key = ? AND epoch = ?")) {
            update.setString(1, owner);
            update.setTimestamp(2, Timestamp.from(at));
            update.setString(3, key.kind().name());
            update.setString(4, key.key());
            update.setLong(5, epoch);
            return update.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StorageException("Cannot claim the lease " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean release(LeaseKey key, String owner, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement update = c.prepareStatement(
                "UPDATE pool_lease SET owner_id = NULL, epoch = epoch + 1, changed_at = ? WHERE kind = ? AND item_key = ? AND owner_id = ?")) {
            update.setTimestamp(1, Timestamp.from(at));
            update.setString(2, key.kind().name());
            update.setString(3, key.key());
            update.setString(4, owner);
            return update.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StorageException("Cannot release the lease " + key + ": " + e.getMessage(), e);
        }
    }
}
