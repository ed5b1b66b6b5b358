package org.switchboard.registration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** SRV lookups through dnsjava, against one configured resolver or the system's. Nothing is cached here. */
public final class DnsSrvLookup implements SrvLookup {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final Optional<InetSocketAddress> server;

    /** {@code server} empty: the resolvers the system is configured with. */
    public DnsSrvLookup(Optional<InetSocketAddress> server) {
        this.server = server;
    }

    /** "host:port" (a bracketed IPv6 literal allowed) → the resolver's address. */
    public static InetSocketAddress parseServer(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }

    @Override
    public List<SrvTarget> lookup(String name) throws IOException {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), Type.SRV);
        } catch (TextParseException e) {
            throw new IOException("not a DNS name: " + name, e);
        }
        lookup.setResolver(resolver());
        lookup.setCache(null);
        Record[] records = lookup.run();
        int result = lookup.getResult();
        if (result == Lookup.TRY_AGAIN || result == Lookup.UNRECOVERABLE) {
            throw new IOException("SRV lookup of " + name + " failed: " + lookup.getErrorString());
        }
        List<SrvTarget> targets = new ArrayList<>();
        if (records != null) {
            for (Record record : records) {
                if (record instanceof SRVRecord srv && !srv.getTarget().equals(Name.root)) { // "." means: not offered here
                    String host = srv.getTarget().toString(true);
                    targets.add(new SrvTarget(srv.getPriority(), srv.getWeight(), host, srv.getPort()));
                }
            }
        }
        return targets;
    }

    private Resolver resolver() throws IOException {
        SimpleResolver resolver = server.isPresent() ? new SimpleResolver(server.get()) : new SimpleResolver();
        resolver.setTimeout(TIMEOUT);
        return resolver;
    }
}
