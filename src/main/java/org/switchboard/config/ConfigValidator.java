package org.switchboard.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.regex.Pattern;

/** Rules a well-typed configuration must still satisfy; each failure names its key. */
final class ConfigValidator {

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private ConfigValidator() {
    }

    static void validate(Path file, SwitchboardConfig config) {
        ServerSettings server = config.server();
        requireIpAddress(file, "server.sip-address", server.sipAddress());
        requirePort(file, "server.sip-port", server.sipPort());
        if (server.sipTransports().isEmpty()) {
            throw new ConfigException(file, "server.sip-transports", "at least one transport is needed (udp, tcp)");
        }
        if (new HashSet<>(server.sipTransports()).size() != server.sipTransports().size()) {
            throw new ConfigException(file, "server.sip-transports", "a transport is listed twice");
        }
        requireIpAddress(file, "server.http-address", server.httpAddress());
        requirePort(file, "server.http-port", server.httpPort());
        String dataDir = config.storage().dataDir();
        if (dataDir == null || dataDir.isBlank()) {
            throw new ConfigException(file, "storage.data-dir", "must name a directory");
        }
        DispatchSettings dispatch = config.dispatch();
        requirePositive(file, "dispatch.conversation-idle-seconds", dispatch.conversationIdleSeconds());
        requirePositive(file, "dispatch.conversation-max-entries", dispatch.conversationMaxEntries());
        EndpointsValidator.validate(file, config.endpoints());
    }

    private static void requirePositive(Path file, String key, int value) {
        if (value < 1) {
            throw new ConfigException(file, key, "expected a whole number of at least 1, found " + value);
        }
    }

    private static void requireIpAddress(Path file, String key, String value) {
        if (value == null || !(IPV4.matcher(value).matches() || IPV6.matcher(value).matches())) {
            throw new ConfigException(file, key, "expected an IP address such as 127.0.0.1, found '" + value + "'");
        }
    }

    private static void requirePort(Path file, String key, int port) {
        if (port < 1 || port > 65535) {
            throw new ConfigException(file, key, "expected a port from 1 to 65535, found " + port);
        }
    }
}
