package org.switchboard.config;

import java.util.List;
import java.util.Optional;

/**
 * Where this instance sits: its application pool, the Front End pool that is its next hop for the
 * requests its endpoints send, and the Front End pools it knows with the users homed on each.
 */
public record TopologySettings(String applicationPool, String frontEndPool, List<FrontEndPool> frontEndPools) {

    public TopologySettings {
        frontEndPools = frontEndPools == null ? List.of() : List.copyOf(frontEndPools);
    }

    static TopologySettings defaults() {
        return new TopologySettings("default", "", List.of());
    }

    /**
     * A Front End pool: its name, the SIP URI to send through, the users homed on it, its registrar (empty: the
     * next hop) and the pool whose registrar backs it up (empty: none).
     */
    public record FrontEndPool(String name, String nextHop, List<String> users, String registrar, String backupPool) {
        public FrontEndPool {
            users = users == null ? List.of() : List.copyOf(users);
            registrar = registrar == null ? "" : registrar;
            backupPool = backupPool == null ? "" : backupPool;
        }

        /** The registrar of users homed here: {@code registrar}, else the next hop. */
        public String effectiveRegistrar() {
            return registrar.isBlank() ? nextHop : registrar;
        }
    }

    /** The pool named {@code name}. */
    public Optional<FrontEndPool> pool(String name) {
        return frontEndPools.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The pool named by {@code front-end-pool}, when one is set. */
    public Optional<FrontEndPool> nextHopPool() {
        return pool(frontEndPool);
    }
}
