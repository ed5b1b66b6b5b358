package org.switchboard.config;

import java.util.List;

/** The whole configuration file, as one typed, validated value. */
public record SwitchboardConfig(
        ServerSettings server,
        StorageSettings storage,
        DispatchSettings dispatch,
        TopologySettings topology,
        PresenceSettings presence,
        PersistenceSettings persistence,
        BridgeSettings bridge,
        AdminSettings admin,
        RegistrationSettings registration,
        PoolSettings pool,
        List<EndpointSettings> endpoints) {

    public SwitchboardConfig {
        endpoints = List.copyOf(endpoints);
    }

    /** Every key at its documented default; a configuration file only states what differs. */
    public static SwitchboardConfig defaults() {
        return new SwitchboardConfig(ServerSettings.defaults(), StorageSettings.defaults(), DispatchSettings.defaults(),
                TopologySettings.defaults(), PresenceSettings.defaults(), PersistenceSettings.defaults(), BridgeSettings.defaults(),
                AdminSettings.defaults(), RegistrationSettings.defaults(), PoolSettings.defaults(), List.of());
    }
}
