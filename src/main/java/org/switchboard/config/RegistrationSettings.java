package org.switchboard.config;

import java.util.List;

/**
 * Registration of user endpoints with their home pool's registrars (PRODUCT.md §G), and the director that
 * redirects REGISTERs of users homed on the pools of {@code topology.front-end-pools}.
 *
 * @param enabled                   user endpoints marked {@code register: true} register
 * @param servers                   registrars to try, after those SRV names (SIP URIs)
 * @param srvDomain                 domain whose {@code _sip._udp} / {@code _sip._tcp} SRV records name the first registrars
 * @param dnsServer                 "host:port" of the DNS resolver for SRV lookups; empty: the system's resolvers
 * @param transport                 udp or tcp: the SRV service looked up and the transport of registrars found by SRV
 * @param expiresSeconds            the Expires asked for in REGISTER
 * @param failureDetectionSeconds   how long the primary may fail before the endpoint registers with the backup
 * @param fallbackSeconds           how long the primary must answer probes before the endpoint fails back to it
 * @param probeIntervalSeconds      how often a failing or left primary is tried; also how long an answer is awaited
 * @param maxRedirects              301s followed in a row before the chain counts as a loop
 * @param director                  answer REGISTERs with a 301 naming the user's primary and backup registrars
 */
public record RegistrationSettings(boolean enabled, List<String> servers, String srvDomain, String dnsServer, Transport transport,
        int expiresSeconds, int failureDetectionSeconds, int fallbackSeconds, int probeIntervalSeconds, int maxRedirects,
        boolean director) {

    public RegistrationSettings {
        servers = servers == null ? List.of() : List.copyOf(servers);
    }

    static RegistrationSettings defaults() {
        return new RegistrationSettings(false, List.of(), "", "", Transport.UDP, 3600, 30, 60, 5, 3, false);
    }
}
