package org.switchboard.config;

/**
 * Where state is kept. {@code dataDir} holds the embedded H2 database file (when no database URL is
 * given) and this instance's identity; a relative path is resolved against the working directory.
 */
public record StorageSettings(String dataDir, DatabaseSettings database) {

    static StorageSettings defaults() {
        return new StorageSettings("data", DatabaseSettings.defaults());
    }
}
