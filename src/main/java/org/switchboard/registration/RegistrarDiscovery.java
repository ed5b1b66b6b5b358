package org.switchboard.registration;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.switchboard.endpoint.SipUri;

/**
 * The first registrars to try: those SRV names for the domain (by priority, then the larger weight first),
 * then the configured list. Either may be absent.
 */
public final class RegistrarDiscovery {

    /** The servers to try in order, and what went wrong on the way (an empty or failed SRV lookup). */
    public record Found(List<SipUri> servers, Optional<String> problem) {
    }

    private final Optional<SrvLookup> srv;
    private final String srvDomain;
    private final String transport;
    private final List<SipUri> configured;

    /**
     * @param srvDomain empty: no SRV lookup
     * @param transport "udp" or "tcp": the SRV service and the transport of the registrars it names
     */
    public RegistrarDiscovery(Optional<SrvLookup> srv, String srvDomain, String transport, List<SipUri> configured) {
        this.srv = srvDomain.isEmpty() ? Optional.empty() : srv;
        this.srvDomain = srvDomain;
        this.transport = transport.toLowerCase(Locale.ROOT);
        this.configured = List.copyOf(configured);
    }

    public Found find() {
        LinkedHashSet<SipUri> servers = new LinkedHashSet<>();
        Optional<String> problem = Optional.empty();
        if (srv.isPresent()) {
            String name = "_sip._" + transport + "." + srvDomain;
            try {
                List<SrvLookup.SrvTarget> targets = new ArrayList<>(srv.get().lookup(name));
                targets.sort(Comparator.comparingInt(SrvLookup.SrvTarget::priority)
                        .thenComparing(Comparator.comparingInt(SrvLookup.SrvTarget::weight).reversed()));
                for (SrvLookup.SrvTarget target : targets) {
                    servers.add(SipUri.parse("sip:" + hostOf(target.host()) + ":" + target.port() + ";transport=" + transport));
                }
                if (targets.isEmpty()) {
                    problem = Optional.of("SRV " + name + " has no records");
                }
            } catch (IOException | RuntimeException e) {
                problem = Optional.of("SRV lookup of " + name + " failed: " + e.getMessage());
            }
        }
        servers.addAll(configured);
        return new Found(List.copyOf(servers), problem);
    }

    private static String hostOf(String dnsName) {
        String host = dnsName.endsWith(".") ? dnsName.substring(0, dnsName.length() - 1) : dnsName;
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
