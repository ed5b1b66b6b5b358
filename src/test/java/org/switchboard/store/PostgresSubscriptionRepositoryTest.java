package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.testing.TestPostgres;

/**
 * The contract on a real PostgreSQL, started once for the class (the table is emptied before each test).
 * Every Database of a test is another instance (its own data directory, pool and JPA) on the one shared
 * database, as pools in production.
 */
class PostgresSubscriptionRepositoryTest extends SubscriptionRepositoryContract {

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
        return Database.open(postgres.settings(8, 5), dir);
    }

    @Override
    int databasesForConcurrentWriters() {
        return 4;
    }

    /**
     * The embedded server sorts text in byte order (C.UTF-8), as H2 does; a production server created with a
     * language's locale sorts by dictionary order. The id column is given such an order (ICU English) for
     * this one test, and put back after it.
     */
    @Test
    void ties_break_by_id_in_byte_order_even_where_the_database_sorts_text_by_dictionary_order() throws SQLException {
        execute("ALTER TABLE subscription_record ALTER COLUMN id TYPE VARCHAR(36) COLLATE \"en-x-icu\"");
        try {
            for (String id : List.of("b-1", "B-2", "a-3", "A-4")) {
                repository.upsert(recoveredAt(record(id, 1), Optional.empty()));
            }
            assertThat(ids("SELECT id FROM subscription_record ORDER BY id")).as("the column's own order")
                    .containsExactly("a-3", "A-4", "b-1", "B-2");

            assertThat(repository.stalest(T0.plusSeconds(3600), 10)).extracting(SubscriptionRecord::id).containsExactly("A-4", "B-2", "a-3", "b-1");
            assertThat(repository.all()).extracting(SubscriptionRecord::id).containsExactly("A-4", "B-2", "a-3", "b-1");
        } finally {
            execute("ALTER TABLE subscription_record ALTER COLUMN id TYPE VARCHAR(36) COLLATE \"default\"");
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private List<String> ids(String sql) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }
}
