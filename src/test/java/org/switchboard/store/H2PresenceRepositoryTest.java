package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.switchboard.config.DatabaseSettings;

/**
 * The contract on the embedded H2 database. Every Database of a test opens the same file (the test's
 * data directory), as several connection pools of one JVM may.
 */
class H2PresenceRepositoryTest extends PresenceRepositoryContract {

    @Override
    Database openDatabase(Path dir) {
        return Database.open(new DatabaseSettings("", "", "", 8, 5), dataDir);
    }

    @Test
    void the_embedded_database_file_lives_in_the_data_directory() {
        assertThat(dataDir.resolve("switchboard.mv.db")).exists();
        assertThat(database.description()).contains(dataDir.toString());
    }

    @Test
    void an_embedded_database_from_before_the_identity_file_keeps_its_one_instance() throws Exception {
        InstanceIdentity first = database.recordStart(clock, dataDir);
        Files.delete(dataDir.resolve("instance-id")); // as written by a version that kept the id only in the database

        InstanceIdentity second = database.recordStart(clock, dataDir);

        assertThat(second.instanceId()).isEqualTo(first.instanceId());
        assertThat(second.startCount()).isEqualTo(2);
        assertThat(Files.readString(dataDir.resolve("instance-id")).trim()).isEqualTo(first.instanceId());
    }
}
