package org.switchboard.store;

import java.nio.file.Path;
import org.switchboard.config.DatabaseSettings;

/**
 * The contract on the embedded H2 database. Every Database of a test opens the same file (the test's data
 * directory), as several connection pools of one JVM may.
 */
class H2SubscriptionRepositoryTest extends SubscriptionRepositoryContract {

    @Override
    Database openDatabase(Path dir) {
        return Database.open(new DatabaseSettings("", "", "", 8, 5), dataDir);
    }
}
