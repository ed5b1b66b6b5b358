package org.switchboard.registration;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.switchboard.config.TopologySettings;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;

/**
 * Director mode: which registrars a user signs in with, from the pool topology. A user homed on a pool goes
 * to that pool's registrar (primary) and to the registrar of its backup pool (backup).
 */
public final class Director {

    /** The q-values of the 301's Contacts: the primary is preferred, the backup next. */
    public static final float PRIMARY_Q = 0.7f;
    public static final float BACKUP_Q = 0.3f;

    private final Map<Aor, Registrars> homes;

    private Director(Map<Aor, Registrars> homes) {
        this.homes = Map.copyOf(homes);
    }

    /** From a validated topology: every pool's users, its registrar and its backup pool's registrar. */
    public static Director of(TopologySettings topology) {
        Map<Aor, Registrars> homes = new HashMap<>();
        for (TopologySettings.FrontEndPool pool : topology.frontEndPools()) {
            SipUri primary = SipUri.parse(pool.effectiveRegistrar());
            Optional<SipUri> backup = pool.backupPool().isBlank() ? Optional.empty()
                    : topology.pool(pool.backupPool()).map(b -> SipUri.parse(b.effectiveRegistrar()));
            Registrars registrars = new Registrars(primary, backup);
            for (String user : pool.users()) {
                homes.put(Aor.parse(user), registrars);
            }
        }
        return new Director(homes);
    }

    /** The registrars of {@code user}; empty when no known pool homes that user. */
    public Optional<Registrars> registrarsOf(Aor user) {
        return Optional.ofNullable(homes.get(user));
    }
}
