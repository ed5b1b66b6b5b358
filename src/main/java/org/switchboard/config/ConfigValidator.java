package org.switchboard.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.regex.Pattern;
import org.switchboard.admin.auth.PasswordHash;

/** Rules a well-typed configuration must still satisfy; each failure names its key. */
final class ConfigValidator {

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern DOMAIN = Pattern.compile("(?i)[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*");

    /** The database column that holds a presence document is this wide. */
    static final int MAX_DOCUMENT_CHARS = 1_048_576;

    private ConfigValidator() {
    }

    static void validate(Path file, SwitchboardConfig config) {
        ServerSettings server = config.server();
        requireIpAddress(file, "server.sip-address", server.sipAddress());
        requirePort(file, "server.sip-port", server.sipPort());
        if (server.sipTransports().isEmpty()) {
            throw new ConfigException(file, "server.sip-transports", "at least one transport is needed (udp, tcp, tls)");
        }
        if (new HashSet<>(server.sipTransports()).size() != server.sipTransports().size()) {
            throw new ConfigException(file, "server.sip-transports", "a transport is listed twice");
        }
        requirePort(file, "server.sip-tls-port", server.sipTlsPort());
        TlsValidator.validate(file, server);
        requireIpAddress(file, "server.http-address", server.httpAddress());
        requirePort(file, "server.http-port", server.httpPort());
        String dataDir = config.storage().dataDir();
        if (dataDir == null || dataDir.isBlank()) {
            throw new ConfigException(file, "storage.data-dir", "must name a directory");
        }
        validateDatabase(file, config.storage().database());
        TopologyValidator.validate(file, config.topology());
        int maxChars = config.presence().maxDocumentChars();
        if (maxChars < 1024 || maxChars > MAX_DOCUMENT_CHARS) {
            throw new ConfigException(file, "presence.max-document-chars",
                    "expected a whole number from 1024 to " + MAX_DOCUMENT_CHARS + ", found " + maxChars);
        }
        requirePositive(file, "presence.forget-idle-seconds", config.presence().forgetIdleSeconds());
        validateViews(file, config.presence().views());
        PersistenceSettings persistence = config.persistence();
        requirePositive(file, "persistence.recovery-batch-size", persistence.recoveryBatchSize());
        requirePositive(file, "persistence.recovery-batch-interval-seconds", persistence.recoveryBatchIntervalSeconds());
        requirePositive(file, "persistence.retry-attempts", persistence.retryAttempts());
        if (persistence.retryBackoffMillis() < 0) {
            throw new ConfigException(file, "persistence.retry-backoff-millis", "expected a whole number of at least 0, found "
                    + persistence.retryBackoffMillis());
        }
        requirePositive(file, "persistence.breaker-open-seconds", persistence.breakerOpenSeconds());
        validateBridge(file, config.bridge());
        DispatchSettings dispatch = config.dispatch();
        requirePositive(file, "dispatch.conversation-idle-seconds", dispatch.conversationIdleSeconds());
        requirePositive(file, "dispatch.conversation-max-entries", dispatch.conversationMaxEntries());
        validateAdmin(file, config.admin());
        validatePool(file, config.pool(), config.storage().database(), config.bridge().enabled() && !config.persistence().enabled());
        EndpointsValidator.validate(file, config.endpoints());
        RegistrationValidator.validate(file, config.registration(), config.topology(), config.endpoints());
    }

    private static void validatePool(Path file, PoolSettings pool, DatabaseSettings database, boolean bridgeInMemory) {
        requirePositive(file, "pool.lease-seconds", pool.leaseSeconds());
        requirePositive(file, "pool.renew-seconds", pool.renewSeconds());
        requirePositive(file, "pool.claims-per-renewal", pool.claimsPerRenewal());
        if (pool.renewSeconds() * 2 > pool.leaseSeconds()) {
            throw new ConfigException(file, "pool.renew-seconds", "must be at most half of pool.lease-seconds (" + pool.leaseSeconds()
                    + "), found " + pool.renewSeconds());
        }
        if (pool.clockSkewMillis() < 0 || pool.clockSkewMillis() * 2L >= (pool.leaseSeconds() - pool.renewSeconds()) * 1000L) {
            throw new ConfigException(file, "pool.clock-skew-millis", "expected at least 0 and below half of (pool.lease-seconds - "
                    + "pool.renew-seconds) in milliseconds, found " + pool.clockSkewMillis());
        }
        if (pool.enabled() && database.isEmbedded()) {
            throw new ConfigException(file, "pool.enabled", "a pool's members share one database: set storage.database.url to the "
                    + "pool's PostgreSQL (the embedded H2 file belongs to one instance)");
        }
        if (pool.enabled() && bridgeInMemory) {
            throw new ConfigException(file, "persistence.enabled", "a pool's XMPP bridge moves to another member when its member dies, "
                    + "which then recovers the bridged subscriptions from the shared database: keep persistence enabled");
        }
    }

    private static void validateAdmin(Path file, AdminSettings admin) {
        if (admin.username() == null || admin.passwordHash() == null) {
            throw new ConfigException(file, admin.username() == null ? "admin.username" : "admin.password-hash", "must be text (may be empty)");
        }
        if (admin.username().isEmpty() != admin.passwordHash().isEmpty()) {
            throw new ConfigException(file, admin.username().isEmpty() ? "admin.username" : "admin.password-hash",
                    "admin.username and admin.password-hash go together: set both, or neither (the status page and API then refuse everyone)");
        }
        if (admin.username().contains(":") || admin.username().isBlank() && !admin.username().isEmpty()) {
            throw new ConfigException(file, "admin.username", "must not be blank or contain ':'");
        }
        if (!admin.passwordHash().isEmpty()) {
            try {
                PasswordHash.parse(admin.passwordHash());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(file, "admin.password-hash", e.getMessage());
            }
        }
        requirePositive(file, "admin.session-idle-minutes", admin.sessionIdleMinutes());
    }

    private static void validateDatabase(Path file, DatabaseSettings database) {
        String url = database.url();
        if (url == null) {
            throw new ConfigException(file, "storage.database.url", "must be text (empty for the embedded H2 database)");
        }
        if (!url.isBlank() && !url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException(file, "storage.database.url",
                    "expected a JDBC URL of PostgreSQL (jdbc:postgresql://host:port/database) or H2 (jdbc:h2:...), found '" + url + "'");
        }
        if (database.username() == null || database.password() == null) {
            throw new ConfigException(file, database.username() == null ? "storage.database.username" : "storage.database.password",
                    "must be text (may be empty)");
        }
        requirePositive(file, "storage.database.max-pool-size", database.maxPoolSize());
        requirePositive(file, "storage.database.connect-timeout-seconds", database.connectTimeoutSeconds());
    }

    private static void validateViews(Path file, PresenceSettings.ViewSettings views) {
        requirePositive(file, "presence.views.expires-seconds", views.expiresSeconds());
        for (int i = 0; i < views.retryDelaysSeconds().size(); i++) {
            Integer delay = views.retryDelaysSeconds().get(i);
            if (delay == null || delay < 0) {
                throw new ConfigException(file, "presence.views.retry-delays-seconds[" + i + "]", "expected a whole number of at least 0, found " + delay);
            }
        }
        if (!(views.retryJitter() >= 0 && views.retryJitter() <= 1)) {
            throw new ConfigException(file, "presence.views.retry-jitter", "expected a fraction from 0 to 1, found " + views.retryJitter());
        }
        requirePositive(file, "presence.views.reestablish-initial-seconds", views.reestablishInitialSeconds());
        requirePositive(file, "presence.views.reestablish-max-seconds", views.reestablishMaxSeconds());
        if (views.reestablishMaxSeconds() < views.reestablishInitialSeconds()) {
            throw new ConfigException(file, "presence.views.reestablish-max-seconds", "must be at least reestablish-initial-seconds ("
                    + views.reestablishInitialSeconds() + "), found " + views.reestablishMaxSeconds());
        }
        requirePositive(file, "presence.views.polling-interval-seconds", views.pollingIntervalSeconds());
        requirePositive(file, "presence.views.bulk-subscribes-per-second", views.bulkSubscribesPerSecond());
    }

    private static void validateBridge(Path file, BridgeSettings bridge) {
        if (bridge.xmppHost() == null || bridge.xmppHost().isBlank()) {
            throw new ConfigException(file, "bridge.xmpp-host", "must name the XMPP server's component listener");
        }
        requirePort(file, "bridge.xmpp-port", bridge.xmppPort());
        requireDomain(file, "bridge.component-domain", bridge.componentDomain());
        requireDomain(file, "bridge.xmpp-domain", bridge.xmppDomain());
        requireDomain(file, "bridge.sip-domain", bridge.sipDomain());
        requireDomain(file, "bridge.xmpp-users-sip-domain", bridge.xmppUsersSipDomain());
        if (bridge.componentDomain().equalsIgnoreCase(bridge.xmppDomain())) {
            throw new ConfigException(file, "bridge.component-domain", "must differ from bridge.xmpp-domain (the component is its own XMPP domain)");
        }
        if (bridge.enabled() && (bridge.componentSecret() == null || bridge.componentSecret().isEmpty())) {
            throw new ConfigException(file, "bridge.component-secret", "is required when the bridge is enabled");
        }
        if (bridge.cooldownSeconds() < 0) {
            throw new ConfigException(file, "bridge.cooldown-seconds", "expected a whole number of at least 0, found " + bridge.cooldownSeconds());
        }
        requirePositive(file, "bridge.reconnect-initial-seconds", bridge.reconnectInitialSeconds());
        if (bridge.reconnectMaxSeconds() < bridge.reconnectInitialSeconds()) {
            throw new ConfigException(file, "bridge.reconnect-max-seconds", "must be at least reconnect-initial-seconds ("
                    + bridge.reconnectInitialSeconds() + "), found " + bridge.reconnectMaxSeconds());
        }
        requirePositive(file, "bridge.incoming-expires-seconds", bridge.incomingExpiresSeconds());
    }

    private static void requireDomain(Path file, String key, String value) {
        if (value == null || value.length() > 253 || !DOMAIN.matcher(value).matches()) {
            throw new ConfigException(file, key, "expected a domain name such as example.com, found '" + value + "'");
        }
    }

    static void requirePositive(Path file, String key, int value) {
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
