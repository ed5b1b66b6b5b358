package org.switchboard.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.persistence.EntityManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cfg.AvailableSettings;
import org.switchboard.config.DatabaseSettings;
import org.switchboard.pool.LeaseTable;
import org.switchboard.presence.PresenceRepository;
import org.switchboard.registration.RegistrarCache;
import org.switchboard.subscription.SubscriptionRepository;

/**
 * The application's database: the embedded H2 file under the data directory, or PostgreSQL shared by
 * several instances; a connection pool; a schema owned by Flyway migrations ({@code db/migration}, the
 * same scripts for both); and JPA (Hibernate) over it.
 */
public final class Database implements AutoCloseable {

    private static final String FILE_NAME = "switchboard";
    private static final String IDENTITY_FILE = "instance-id";

    private final HikariDataSource pool;
    private final EntityManagerFactory entities;
    private final SqlDialect dialect;
    private final String description;
    private final boolean embedded;

    private Database(HikariDataSource pool, EntityManagerFactory entities, SqlDialect dialect, String description, boolean embedded) {
        this.pool = pool;
        this.entities = entities;
        this.dialect = dialect;
        this.description = description;
        this.embedded = embedded;
    }

    /** Opens the embedded H2 database in {@code dataDir} with default settings. */
    public static Database openEmbedded(Path dataDir) {
        return open(new DatabaseSettings("", "", "", 8, 5), dataDir);
    }

    /**
     * Opens the configured database (the embedded H2 file in {@code dataDir} when no URL is set),
     * migrates its schema and starts JPA over it.
     *
     * @throws StorageException naming the database and the reason
     */
    public static Database open(DatabaseSettings settings, Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StorageException("Cannot create the data directory " + dataDir + ": " + e, e);
        }
        boolean embedded = settings.isEmbedded();
        String url = embedded
                ? "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve(FILE_NAME) + ";DB_CLOSE_ON_EXIT=FALSE"
                : settings.url();
        String description = embedded ? "the database in " + dataDir : "the database " + withoutQuery(url);
        SqlDialect dialect = SqlDialect.of(url);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(embedded ? "sa" : settings.username());
        config.setPassword(embedded ? "" : settings.password());
        config.setPoolName("switchboard-" + dialect.name().toLowerCase(java.util.Locale.ROOT));
        config.setMaximumPoolSize(settings.maxPoolSize());
        config.setConnectionTimeout(Math.max(250, settings.connectTimeoutSeconds() * 1000L));
        if (dialect == SqlDialect.POSTGRESQL && !url.contains("socketTimeout=")) {
            // A server that stops answering in the middle of a statement (stalled, not down) would otherwise hold
            // the calling thread for ever (the driver's default): the statement fails after this long instead, and
            // the breakers take over. Flyway's migration at start has connections of its own, without it, since it
            // may wait for another instance's migration.
            config.addDataSourceProperty("socketTimeout", String.valueOf(socketTimeoutSeconds(settings)));
        }
        // Fail now, with the database's reason (for example: the file is locked, the server refuses).
        config.setInitializationFailTimeout(1);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StorageException("Cannot open " + description + ": " + rootMessage(e), e);
        }
        try {
            var flyway = Flyway.configure(Database.class.getClassLoader());
            (embedded ? flyway.dataSource(pool) : flyway.dataSource(url, settings.username(), settings.password()))
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            pool.close();
            throw new StorageException("Cannot migrate " + description + ": " + rootMessage(e), e);
        }
        EntityManagerFactory entities;
        try {
            entities = startJpa(pool);
        } catch (RuntimeException e) {
            pool.close();
            throw new StorageException("Cannot start JPA over " + description + ": " + rootMessage(e), e);
        }
        return new Database(pool, entities, dialect, description, embedded);
    }

    /** How long a PostgreSQL statement may wait for the server's next bytes: four connection timeouts. */
    static int socketTimeoutSeconds(DatabaseSettings settings) {
        return 4 * settings.connectTimeoutSeconds();
    }

    private static EntityManagerFactory startJpa(DataSource dataSource) {
        StandardServiceRegistry registry = new StandardServiceRegistryBuilder()
                .applySetting(AvailableSettings.DATASOURCE, dataSource)
                .applySetting(AvailableSettings.HBM2DDL_AUTO, "none") // Flyway owns the schema
                .applySetting(AvailableSettings.SHOW_SQL, "false")
                .applySetting(AvailableSettings.STATEMENT_BATCH_SIZE, "50")
                .build();
        try {
            return new MetadataSources(registry)
                    .addAnnotatedClass(PresenceStateRow.class)
                    .addAnnotatedClass(SubscriptionRecordRow.class)
                    .addAnnotatedClass(RegistrarCacheRow.class)
                    .buildMetadata()
                    .buildSessionFactory();
        } catch (RuntimeException e) {
            StandardServiceRegistryBuilder.destroy(registry);
            throw e;
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    /** JPA over this database, for the stores of each feature. */
    public EntityManagerFactory entities() {
        return entities;
    }

    /** The presence store's table. */
    public PresenceRepository presenceRepository(Clock clock) {
        return new JpaPresenceRepository(entities, pool, dialect, clock);
    }

    /** The subscription records' table. */
    public SubscriptionRepository subscriptionRepository() {
        return new JpaSubscriptionRepository(entities, dialect);
    }

    /** The registrars each user was last sent to. */
    public RegistrarCache registrarCache(Clock clock) {
        return new JpaRegistrarCache(entities, clock);
    }

    /** The pool's members and leases (used when {@code pool.enabled}). */
    public LeaseTable leaseTable(Clock clock) {
        return new JdbcLeaseTable(pool, clock);
    }

    /** Whether this is the embedded H2 file, which one instance alone can open. */
    public boolean embedded() {
        return embedded;
    }

    /** "the database in DIR" or "the database jdbc:postgresql://host/db", for messages. */
    public String description() {
        return description;
    }

    /**
     * Records a start of this instance and returns its identity, creating it on the very first start.
     * The id lives in the data directory (several instances may share one database), so it stays the
     * same for as long as the data directory does.
     */
    public InstanceIdentity recordStart(Clock clock, Path dataDir) {
        Instant now = clock.instant();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            String id = instanceId(c, dataDir);
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE platform_instance SET last_started_at = ?, start_count = start_count + 1 WHERE instance_id = ?")) {
                update.setTimestamp(1, Timestamp.from(now));
                update.setString(2, id);
                if (update.executeUpdate() == 0) {
                    try (PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO platform_instance (instance_id, created_at, last_started_at, start_count) VALUES (?, ?, ?, 1)")) {
                        insert.setString(1, id);
                        insert.setTimestamp(2, Timestamp.from(now));
                        insert.setTimestamp(3, Timestamp.from(now));
                        insert.executeUpdate();
                    }
                }
            }
            InstanceIdentity identity;
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT instance_id, created_at, start_count FROM platform_instance WHERE instance_id = ?")) {
                select.setString(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    rs.next();
                    identity = new InstanceIdentity(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getInt(3));
                }
            }
            c.commit();
            return identity;
        } catch (SQLException | IOException e) {
            throw new StorageException("Cannot record the instance start in " + description + ": " + e.getMessage(), e);
        }
    }

    /**
     * This data directory's instance id. An embedded database from before the id moved into the data
     * directory holds exactly one instance row: that one is kept.
     */
    private String instanceId(Connection c, Path dataDir) throws IOException, SQLException {
        Path file = dataDir.resolve(IDENTITY_FILE);
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        }
        String id = UUID.randomUUID().toString();
        if (embedded) {
            List<String> existing = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT instance_id FROM platform_instance");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    existing.add(rs.getString(1));
                }
            }
            if (existing.size() == 1) {
                id = existing.get(0);
            }
        }
        Files.writeString(file, id + "\n", StandardCharsets.US_ASCII);
        return id;
    }

    @Override
    public void close() {
        try {
            entities.close();
        } finally {
            pool.close();
        }
    }

    private static String withoutQuery(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.toString() : message.lines().findFirst().orElse(message);
    }
}
