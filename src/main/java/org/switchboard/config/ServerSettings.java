package org.switchboard.config;

import java.util.List;

/**
 * Where the embedded runner listens. In an installed container these come from its own
 * server.xml instead, and this section is ignored.
 */
public record ServerSettings(
        String sipAddress,
        int sipPort,
        List<Transport> sipTransports,
        String httpAddress,
        int httpPort) {

    public ServerSettings {
        sipTransports = List.copyOf(sipTransports);
    }

    static ServerSettings defaults() {
        return new ServerSettings("127.0.0.1", 5060, List.of(Transport.UDP, Transport.TCP), "127.0.0.1", 8080);
    }
}
