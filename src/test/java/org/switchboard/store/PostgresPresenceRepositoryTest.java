package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.TestPostgres;

/**
 * The contract on a real PostgreSQL, started once for the class. Every Database of a test is another
 * instance (its own data directory, pool and JPA) on the one shared database, as pools in production.
 */
class PostgresPresenceRepositoryTest extends PresenceRepositoryContract {

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

    @Test
    void the_database_is_described_by_its_url() {
        assertThat(database.description()).isEqualTo("the database " + postgres.url());
    }

    @Test
    void two_data_directories_sharing_one_database_are_two_instances_each_counting_its_own_starts() throws Exception {
        Path dirA = dataDir.resolve("instance-a");
        Path dirB = dataDir.resolve("instance-b");
        Database a = open(dirA);
        Database b = open(dirB);

        InstanceIdentity firstA = a.recordStart(clock, dirA);
        InstanceIdentity firstB = b.recordStart(clock, dirB);
        assertThat(firstA.instanceId()).isNotEqualTo(firstB.instanceId());
        assertThat(firstA.startCount()).isEqualTo(1);
        assertThat(firstB.startCount()).isEqualTo(1);

        close(a);
        InstanceIdentity againA = open(dirA).recordStart(clock, dirA);
        InstanceIdentity againA2 = b.recordStart(clock, dirA); // any connection to the shared database will do

        assertThat(againA.instanceId()).isEqualTo(firstA.instanceId());
        assertThat(againA.startCount()).isEqualTo(2);
        assertThat(againA2.instanceId()).isEqualTo(firstA.instanceId());
        assertThat(againA2.startCount()).isEqualTo(3);
        InstanceIdentity againB = b.recordStart(clock, dirB);
        assertThat(againB.instanceId()).isEqualTo(firstB.instanceId());
        assertThat(againB.startCount()).isEqualTo(2);
        assertThat(count(b.dataSource(), "SELECT COUNT(*) FROM platform_instance")).isEqualTo(2);
    }
}
