package org.switchboard.registration;

import java.util.Objects;
import java.util.Optional;
import org.switchboard.endpoint.SipUri;

/** A user's primary registrar and, when known, the backup registrar paired with it. */
public record Registrars(SipUri primary, Optional<SipUri> backup) {

    public Registrars {
        Objects.requireNonNull(primary, "primary");
        backup = backup == null ? Optional.empty() : backup.filter(b -> !b.equals(primary));
    }

    public static Registrars primaryOnly(SipUri primary) {
        return new Registrars(primary, Optional.empty());
    }

    @Override
    public String toString() {
        return "primary " + primary + backup.map(b -> ", backup " + b).orElse(", no backup");
    }
}
