package org.switchboard.store;

import java.nio.file.Path;
import org.switchboard.config.DatabaseSettings;

class H2RegistrarCacheTest extends RegistrarCacheContract {

    @Override
    Database openDatabase(Path dir) {
        return Database.open(new DatabaseSettings("", "", "", 4, 5), dir);
    }
}
