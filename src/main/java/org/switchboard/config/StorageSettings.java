package org.switchboard.config;

/**
 * Where state is kept. {@code dataDir} holds the embedded H2 database file; a relative path is
 * resolved against the working directory of the process.
 */
public record StorageSettings(String dataDir) {

    static StorageSettings defaults() {
        return new StorageSettings("data");
    }
}
