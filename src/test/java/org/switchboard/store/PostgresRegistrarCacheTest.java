package org.switchboard.store;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.switchboard.testing.TestPostgres;

/** The contract on a real PostgreSQL, started once for the class. */
class PostgresRegistrarCacheTest extends RegistrarCacheContract {

    private static TestPostgres postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    Database openDatabase(Path dir) {
        return Database.open(postgres.settings(4, 5), dir);
    }
}
