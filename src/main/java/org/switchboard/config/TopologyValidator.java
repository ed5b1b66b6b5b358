package org.switchboard.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;

/** The pool topology must name its pools once each, point at pools that exist, and home each user once. */
final class TopologyValidator {

    private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private TopologyValidator() {
    }

    static void validate(Path file, TopologySettings topology) {
        requirePoolName(file, "topology.application-pool", topology.applicationPool());
        Set<String> names = new HashSet<>();
        Map<Aor, String> homes = new HashMap<>();
        List<TopologySettings.FrontEndPool> pools = topology.frontEndPools();
        for (int i = 0; i < pools.size(); i++) {
            TopologySettings.FrontEndPool pool = pools.get(i);
            String at = "topology.front-end-pools[" + i + "]";
            requirePoolName(file, at + ".name", pool.name());
            if (!names.add(pool.name())) {
                throw new ConfigException(file, at + ".name", "the pool '" + pool.name() + "' is listed twice");
            }
            if (pool.nextHop() == null || pool.nextHop().isBlank()) {
                throw new ConfigException(file, at + ".next-hop", "must be the SIP URI requests are sent through, such as sip:fe1.example.com:5060");
            }
            requireSipUri(file, at + ".next-hop", pool.nextHop());
            for (int u = 0; u < pool.users().size(); u++) {
                String key = at + ".users[" + u + "]";
                Aor user = Aor.of(requireSipUri(file, key, pool.users().get(u)));
                String other = homes.putIfAbsent(user, pool.name());
                if (other != null) {
                    throw new ConfigException(file, key, user + " is already homed on pool '" + other + "'");
                }
            }
        }
        for (int i = 0; i < pools.size(); i++) {
            TopologySettings.FrontEndPool pool = pools.get(i);
            String at = "topology.front-end-pools[" + i + "]";
            if (!pool.registrar().isBlank()) {
                requireSipUri(file, at + ".registrar", pool.registrar());
            }
            String backup = pool.backupPool();
            if (!backup.isBlank() && (backup.equals(pool.name()) || !names.contains(backup))) {
                throw new ConfigException(file, at + ".backup-pool", backup.equals(pool.name())
                        ? "a pool cannot back itself up" : "no pool named '" + backup + "' in topology.front-end-pools");
            }
        }
        String nextHop = topology.frontEndPool();
        if (nextHop == null) {
            throw new ConfigException(file, "topology.front-end-pool", "must be text (empty for none)");
        }
        if (!nextHop.isEmpty() && !names.contains(nextHop)) {
            throw new ConfigException(file, "topology.front-end-pool", "no pool named '" + nextHop + "' in topology.front-end-pools"
                    + (names.isEmpty() ? "" : " (known: " + String.join(", ", new java.util.TreeSet<>(names)) + ")"));
        }
    }

    private static void requirePoolName(Path file, String key, String name) {
        if (name == null || !POOL_NAME.matcher(name).matches()) {
            throw new ConfigException(file, key, "expected a pool name of letters, digits, '.', '_' or '-' (at most 64), found '" + name + "'");
        }
    }

    private static SipUri requireSipUri(Path file, String key, String text) {
        try {
            return SipUri.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, key, "expected a SIP URI, found '" + text + "': " + e.getMessage());
        }
    }
}
