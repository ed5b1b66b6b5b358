package org.switchboard.dispatch.routing;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.Gruu;

/**
 * One registered endpoint, as the routing rules see it: the AOR it acts for, its own GRUU, its optional
 * endpoint id, its kind and its name.
 */
public record EndpointRef(String name, Kind kind, Aor owner, Gruu gruu, Optional<EndpointId> endpointId) {

    /** How requests to an AOR spread over the endpoints that share it. */
    public enum Kind {
        /** Instances of one application form a pool: a request goes to one member, never to all. */
        APPLICATION,
        /** One of a user's devices or agents, told apart from the others by its epid and GRUU. */
        USER
    }

    /** @throws IllegalArgumentException when the name is blank or the GRUU is not under the owner AOR */
    public EndpointRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(gruu, "gruu");
        Objects.requireNonNull(endpointId, "endpointId");
        if (name.isBlank()) {
            throw new IllegalArgumentException("blank endpoint name");
        }
        if (!gruu.aor().equals(owner)) {
            throw new IllegalArgumentException("GRUU " + gruu + " of endpoint '" + name + "' is not under its AOR " + owner);
        }
    }

    /** An application pool member whose GRUU is derived from the AOR and its name. */
    public static EndpointRef application(String name, Aor owner) {
        return new EndpointRef(name, Kind.APPLICATION, owner, Gruu.derive(owner, name), Optional.empty());
    }

    /** A user endpoint whose GRUU is derived from the AOR and its name. */
    public static EndpointRef user(String name, Aor owner, EndpointId endpointId) {
        return new EndpointRef(name, Kind.USER, owner, Gruu.derive(owner, name), Optional.of(endpointId));
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + " endpoint '" + name + "' " + gruu
                + endpointId.map(id -> " epid=" + id).orElse("");
    }
}
