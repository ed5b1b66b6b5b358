package org.switchboard.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.Permission;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A JVM-wide witness for tests (installed with {@code -Djava.security.manager=<this class>}): every
 * name lookup or connection towards a host that is not this machine is printed to stderr as
 * {@code OUTBOUND-ATTEMPT host:port} and refused. Everything else is allowed.
 */
public final class OutboundConnectionRecorder extends SecurityManager {

    public static final String MARK = "OUTBOUND-ATTEMPT ";

    private final Set<String> local = new HashSet<>(Set.of("localhost", "127.0.0.1", "0.0.0.0", "::1",
            "0:0:0:0:0:0:0:1", "::", "0:0:0:0:0:0:0:0"));

    public OutboundConnectionRecorder() {
        try {
            InetAddress self = InetAddress.getLocalHost();
            local.add(self.getHostName().toLowerCase(Locale.ROOT));
            local.add(self.getHostAddress());
        } catch (UnknownHostException e) {
            // this machine has no name to allow
        }
    }

    @Override
    public void checkPermission(Permission permission) {
        // everything is allowed; only connections are watched
    }

    @Override
    public void checkPermission(Permission permission, Object context) {
        // everything is allowed; only connections are watched
    }

    @Override
    public void checkConnect(String host, int port) {
        watch(host, port);
    }

    @Override
    public void checkConnect(String host, int port, Object context) {
        watch(host, port);
    }

    private void watch(String host, int port) {
        String name = host.replace("[", "").replace("]", "").toLowerCase(Locale.ROOT);
        if (local.contains(name) || name.startsWith("127.")) {
            return;
        }
        System.err.println(MARK + host + ":" + port);
        throw new SecurityException("test refused an outbound connection to " + host + ":" + port);
    }
}
