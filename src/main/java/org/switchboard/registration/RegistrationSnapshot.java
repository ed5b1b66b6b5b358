package org.switchboard.registration;

import java.time.Instant;
import java.util.Optional;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;

/**
 * One endpoint's registration as an operator sees it: its state and since when, where the binding lives,
 * and the user's primary and backup registrars when known.
 */
public record RegistrationSnapshot(String endpoint, Aor user, RegistrationState state, Instant since, Optional<SipUri> registrar,
        Optional<SipUri> primary, Optional<SipUri> backup) {

    @Override
    public String toString() {
        return endpoint + " " + user + " " + state + " since " + since + registrar.map(r -> " at " + r).orElse("")
                + primary.map(p -> " primary " + p).orElse("") + backup.map(b -> " backup " + b).orElse("");
    }
}
