package org.switchboard.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.switchboard.config.DatabaseSettings;

/**
 * The contract on a real PostgreSQL, started once for the class (the table is emptied before each test).
 * Every Database of a test is another instance (its own data directory, pool and JPA) on the one shared
 * database, as pools in production.
 */
class PostgresSubscriptionRepositoryTest extends SubscriptionRepositoryContract {

    private static EmbeddedPostgres postgres;
    private static String url;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
        url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    Database openDatabase(Path dir) {
        return Database.open(new DatabaseSettings(url, "postgres", "", 8, 5), dir);
    }

    @Override
    int databasesForConcurrentWriters() {
        return 4;
    }
}
