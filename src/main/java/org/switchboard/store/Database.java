package org.switchboard.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The application's database: the embedded H2 file under the data directory, a connection pool,
 * and a schema owned by Flyway migrations ({@code db/migration}).
 */
public final class Database implements AutoCloseable {

    private static final String FILE_NAME = "switchboard";

    private final HikariDataSource pool;

    private Database(HikariDataSource pool) {
        this.pool = pool;
    }

    /** Opens (creating if needed) the H2 database in {@code dataDir} and migrates its schema. */
    public static Database openEmbedded(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StorageException("Cannot create the data directory " + dataDir + ": " + e, e);
        }
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve(FILE_NAME) + ";DB_CLOSE_ON_EXIT=FALSE";
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("sa");
        config.setPassword("");
        config.setPoolName("switchboard-h2");
        config.setMaximumPoolSize(8);
        // Fail now, with H2's reason (for example: the file is locked by another instance).
        config.setInitializationFailTimeout(1);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StorageException("Cannot open the database in " + dataDir + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure(Database.class.getClassLoader())
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            pool.close();
            throw new StorageException("Cannot migrate the database in " + dataDir + ": " + rootMessage(e), e);
        }
        return new Database(pool);
    }

    public DataSource dataSource() {
        return pool;
    }

    /**
     * Records a start of this instance and returns its identity, creating it on the very first
     * start. The id stays the same for as long as the data directory does.
     */
    public InstanceIdentity recordStart(Clock clock) {
        Instant now = clock.instant();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE platform_instance SET last_started_at = ?, start_count = start_count + 1")) {
                update.setTimestamp(1, Timestamp.from(now));
                if (update.executeUpdate() == 0) {
                    try (PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO platform_instance (instance_id, created_at, last_started_at, start_count) VALUES (?, ?, ?, 1)")) {
                        insert.setString(1, UUID.randomUUID().toString());
                        insert.setTimestamp(2, Timestamp.from(now));
                        insert.setTimestamp(3, Timestamp.from(now));
                        insert.executeUpdate();
                    }
                }
            }
            InstanceIdentity identity;
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT instance_id, created_at, start_count FROM platform_instance");
                 ResultSet rs = select.executeQuery()) {
                rs.next();
                identity = new InstanceIdentity(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getInt(3));
            }
            c.commit();
            return identity;
        } catch (SQLException e) {
            throw new StorageException("Cannot record the instance start: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.toString() : message.lines().findFirst().orElse(message);
    }
}
