package org.switchboard.registration;

import java.util.Optional;
import org.switchboard.endpoint.Aor;

/**
 * The registrars each user was last sent to, kept across restarts, so that the next sign-in goes to the
 * primary directly. Implementations may fail (a database); the registration logs it and goes on.
 */
public interface RegistrarCache {

    Optional<Registrars> find(Aor user);

    void save(Aor user, Registrars registrars);

    void forget(Aor user);
}
