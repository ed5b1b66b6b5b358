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
        int sipTlsPort,
        TlsSettings tls,
        String httpAddress,
        int httpPort) {

    public ServerSettings {
        sipTransports = List.copyOf(sipTransports);
    }

    /** The port a transport listens on: TLS on its own, the others on {@code sip-port}. */
    public int portOf(Transport transport) {
        return transport == Transport.TLS ? sipTlsPort : sipPort;
    }

    public boolean listensOnTls() {
        return sipTransports.contains(Transport.TLS);
    }

    static ServerSettings defaults() {
        return new ServerSettings("127.0.0.1", 5060, List.of(Transport.UDP, Transport.TCP), 5061, TlsSettings.defaults(),
                "127.0.0.1", 8080);
    }
}
