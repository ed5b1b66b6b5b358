package org.switchboard.registration;

import java.time.Instant;
import org.switchboard.endpoint.Aor;

/**
 * One step of an endpoint's registration: a state change, or something found on the way (a redirect, a bad
 * answer, an empty SRV lookup...). {@code from} and {@code to} are equal when the state did not change.
 */
public record RegistrationEvent(String endpoint, Aor user, Kind kind, RegistrationState from, RegistrationState to, String detail,
        Instant at) {

    public enum Kind {
        /** The state changed. */
        STATE_CHANGED,
        /** The registrars were taken from the cache (no DNS asked). */
        CACHE_USED,
        /** The cached registrar failed: the cache entry is dropped and the home pool found again. */
        CACHE_INVALIDATED,
        /** SRV gave no registrar. */
        SRV_EMPTY,
        /** A 301 named the primary and backup registrars. */
        REDIRECTED,
        /** A 301 named nothing usable. */
        BAD_REDIRECT,
        /** More 301s in a row than allowed. */
        REDIRECT_LOOP,
        /** A registrar refused or did not answer a REGISTER. */
        REGISTRAR_FAILED,
        /** The backup registrar refused or did not answer. */
        BACKUP_UNREACHABLE,
        /** A registrar accepted a REGISTER the endpoint had given up on, and holds a binding it must not: removed at once. */
        STALE_BINDING_REMOVED
    }

    @Override
    public String toString() {
        String change = from == to ? kind.name() : from + " -> " + to;
        return endpoint + " (" + user + "): " + change + " (" + detail + ")";
    }
}
