package org.switchboard.config;

/** The whole configuration file, as one typed, validated value. */
public record SwitchboardConfig(ServerSettings server, StorageSettings storage) {

    /** Every key at its documented default; a configuration file only states what differs. */
    public static SwitchboardConfig defaults() {
        return new SwitchboardConfig(ServerSettings.defaults(), StorageSettings.defaults());
    }
}
