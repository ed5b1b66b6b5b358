package org.switchboard.config;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.switchboard.endpoint.SipUri;

/** The {@code registration} section: registrars that parse, a resolver address, intervals in range, and enough to work with. */
final class RegistrationValidator {

    private static final Pattern DOMAIN = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+):(\\d{1,5})");
    /** More than this many 301s in a row is a misconfiguration, whatever the setting says. */
    static final int MAX_REDIRECTS_LIMIT = 10;

    private RegistrationValidator() {
    }

    static void validate(Path file, RegistrationSettings registration, TopologySettings topology, List<EndpointSettings> endpoints) {
        List<String> servers = registration.servers();
        for (int i = 0; i < servers.size(); i++) {
            requireSipUri(file, "registration.servers[" + i + "]", servers.get(i));
        }
        String domain = registration.srvDomain();
        if (domain == null || (!domain.isEmpty() && !DOMAIN.matcher(domain).matches())) {
            throw new ConfigException(file, "registration.srv-domain", "expected a DNS domain such as example.com (empty for none), found '" + domain + "'");
        }
        String dns = registration.dnsServer();
        if (dns == null || (!dns.isEmpty() && !validHostPort(dns))) {
            throw new ConfigException(file, "registration.dns-server",
                    "expected host:port of a DNS server such as 127.0.0.1:53 (empty for the system's resolvers), found '" + dns + "'");
        }
        if (registration.transport() == null) {
            throw new ConfigException(file, "registration.transport", "expected udp or tcp");
        }
        ConfigValidator.requirePositive(file, "registration.expires-seconds", registration.expiresSeconds());
        ConfigValidator.requirePositive(file, "registration.failure-detection-seconds", registration.failureDetectionSeconds());
        ConfigValidator.requirePositive(file, "registration.fallback-seconds", registration.fallbackSeconds());
        ConfigValidator.requirePositive(file, "registration.probe-interval-seconds", registration.probeIntervalSeconds());
        if (registration.maxRedirects() < 0 || registration.maxRedirects() > MAX_REDIRECTS_LIMIT) {
            throw new ConfigException(file, "registration.max-redirects",
                    "expected a whole number from 0 to " + MAX_REDIRECTS_LIMIT + ", found " + registration.maxRedirects());
        }
        boolean anyRegisters = endpoints.stream().anyMatch(EndpointSettings::registers);
        if (registration.enabled() && anyRegisters && servers.isEmpty() && domain.isEmpty()) {
            throw new ConfigException(file, "registration.srv-domain",
                    "registration is enabled and endpoints register: name the first registrars by srv-domain or servers");
        }
        if (registration.director() && topology.frontEndPools().isEmpty()) {
            throw new ConfigException(file, "registration.director",
                    "the director needs topology.front-end-pools (their registrars and the users homed on each)");
        }
    }

    private static boolean validHostPort(String text) {
        var m = HOST_PORT.matcher(text);
        if (!m.matches()) {
            return false;
        }
        int port = Integer.parseInt(m.group(2));
        return port >= 1 && port <= 65535;
    }

    private static void requireSipUri(Path file, String key, String text) {
        try {
            SipUri.parse(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ConfigException(file, key, "expected the SIP URI of a registrar such as sip:registrar.example.com:5060, found '"
                    + text + "'");
        }
    }
}
