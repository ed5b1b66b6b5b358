package org.switchboard.dispatch.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.Gruu;

/**
 * The registered endpoints, looked up by owner AOR, by GRUU and by (AOR, epid) in constant time.
 *
 * <p>Reads take no lock: each key maps to an immutable snapshot that a change replaces whole, so a lookup
 * never sees a half-changed pool or user. Changes are serialised among themselves, because the uniqueness
 * checks span several maps; they are rare next to lookups.
 */
public final class RoutingTable {

    /** The endpoints sharing one AOR; all of one kind. The pool cursor survives membership changes. */
    private record Owners(EndpointRef.Kind kind, List<EndpointRef> members, AtomicInteger cursor) {

        /** An application pool yields one member in turn; user endpoints are all candidates. */
        List<EndpointRef> candidates() {
            if (kind == EndpointRef.Kind.USER || members.size() == 1) {
                return members;
            }
            return List.of(members.get(Math.floorMod(cursor.getAndIncrement(), members.size())));
        }
    }

    private record EndpointKey(Aor owner, EndpointId endpointId) {
    }

    private final ConcurrentMap<Aor, Owners> byOwner = new ConcurrentHashMap<>();
    private final ConcurrentMap<Gruu, EndpointRef> byGruu = new ConcurrentHashMap<>();
    private final ConcurrentMap<EndpointKey, EndpointRef> byEndpointId = new ConcurrentHashMap<>();
    /** Endpoints that take every request to a whole domain (the XMPP bridge), by lower-case domain. */
    private final ConcurrentMap<String, EndpointRef> byDomain = new ConcurrentHashMap<>();
    /** Written under the write lock, read without it. */
    private volatile Optional<EndpointRef> defaultEndpoint = Optional.empty();
    private final Object writeLock = new Object();

    /**
     * Registers an endpoint. A second application endpoint of an AOR joins its pool; user endpoints of one
     * AOR stay separate, told apart by epid and GRUU.
     *
     * @throws IllegalArgumentException when the GRUU or the (AOR, epid) pair is already registered, or the
     *     AOR is already owned by endpoints of the other kind
     */
    public void add(EndpointRef endpoint) {
        synchronized (writeLock) {
            if (byGruu.containsKey(endpoint.gruu())) {
                throw new IllegalArgumentException("duplicate GRUU " + endpoint.gruu() + ": already registered by "
                        + byGruu.get(endpoint.gruu()));
            }
            Optional<EndpointKey> key = endpoint.endpointId().map(id -> new EndpointKey(endpoint.owner(), id));
            if (key.isPresent() && byEndpointId.containsKey(key.get())) {
                throw new IllegalArgumentException("duplicate epid " + key.get().endpointId() + " for AOR "
                        + endpoint.owner() + ": already registered by " + byEndpointId.get(key.get()));
            }
            Owners owners = byOwner.get(endpoint.owner());
            if (owners != null && owners.kind() != endpoint.kind()) {
                throw new IllegalArgumentException("AOR " + endpoint.owner() + " is owned by "
                        + owners.kind().name().toLowerCase(Locale.ROOT) + " endpoints; cannot add " + endpoint);
            }
            List<EndpointRef> members = new ArrayList<>(owners == null ? List.of() : owners.members());
            members.add(endpoint);
            AtomicInteger cursor = owners == null ? new AtomicInteger() : owners.cursor();
            // the GRUU and epid entries go in first, so a lookup by owner never yields an endpoint that
            // a lookup by GRUU would not find
            byGruu.put(endpoint.gruu(), endpoint);
            key.ifPresent(k -> byEndpointId.put(k, endpoint));
            byOwner.put(endpoint.owner(), new Owners(endpoint.kind(), List.copyOf(members), cursor));
        }
    }

    /**
     * Unregisters an endpoint; if it was the default routing endpoint, there is none afterwards.
     *
     * @return whether it was registered
     */
    public boolean remove(EndpointRef endpoint) {
        synchronized (writeLock) {
            if (!endpoint.equals(byGruu.get(endpoint.gruu()))) {
                return false;
            }
            Owners owners = byOwner.get(endpoint.owner());
            List<EndpointRef> members = new ArrayList<>(owners.members());
            members.remove(endpoint);
            if (members.isEmpty()) {
                byOwner.remove(endpoint.owner());
            } else {
                byOwner.put(endpoint.owner(), new Owners(owners.kind(), List.copyOf(members), owners.cursor()));
            }
            endpoint.endpointId().ifPresent(id -> byEndpointId.remove(new EndpointKey(endpoint.owner(), id)));
            byGruu.remove(endpoint.gruu());
            byDomain.values().removeIf(endpoint::equals);
            if (defaultEndpoint.filter(endpoint::equals).isPresent()) {
                defaultEndpoint = Optional.empty();
            }
            return true;
        }
    }

    /**
     * Makes a registered endpoint the platform's default routing endpoint, which receives what no single
     * endpoint matches. There is at most one; removing it leaves none.
     *
     * @throws IllegalArgumentException when the endpoint is not registered
     * @throws IllegalStateException when another endpoint already is the default routing endpoint
     */
    public void setDefaultRoutingEndpoint(EndpointRef endpoint) {
        synchronized (writeLock) {
            if (!isRegistered(endpoint)) {
                throw new IllegalArgumentException("the default routing endpoint must be registered first: " + endpoint);
            }
            Optional<EndpointRef> current = defaultEndpoint;
            if (current.isPresent() && !current.get().equals(endpoint)) {
                throw new IllegalStateException("there is already a default routing endpoint (" + current.get()
                        + "); cannot make " + endpoint + " a second one");
            }
            defaultEndpoint = Optional.of(endpoint);
        }
    }

    /**
     * Makes a registered endpoint take every request to {@code domain} that no endpoint's AOR matches (the XMPP
     * bridge takes the domain its XMPP users appear under).
     *
     * @throws IllegalArgumentException when the endpoint is not registered, or another already takes the domain
     */
    public void setDomainEndpoint(String domain, EndpointRef endpoint) {
        synchronized (writeLock) {
            if (!isRegistered(endpoint)) {
                throw new IllegalArgumentException("a domain's endpoint must be registered first: " + endpoint);
            }
            EndpointRef current = byDomain.putIfAbsent(domain.toLowerCase(java.util.Locale.ROOT), endpoint);
            if (current != null && !current.equals(endpoint)) {
                throw new IllegalArgumentException("domain " + domain + " is already taken by " + current);
            }
        }
    }

    /** The endpoint taking requests to {@code domain}, if any. */
    Optional<EndpointRef> byDomain(String domain) {
        return byDomain.isEmpty() ? Optional.empty() : Optional.ofNullable(byDomain.get(domain.toLowerCase(java.util.Locale.ROOT)));
    }

    public Optional<EndpointRef> defaultRoutingEndpoint() {
        return defaultEndpoint;
    }

    /** A snapshot of every registered endpoint, in no particular order. */
    public List<EndpointRef> endpoints() {
        return List.copyOf(byGruu.values());
    }

    /** The endpoints a request to this AOR may go to: one member of a pool, or every user endpoint. */
    List<EndpointRef> ownedBy(Aor owner) {
        Owners owners = byOwner.get(owner);
        return owners == null ? List.of() : owners.candidates();
    }

    Optional<EndpointRef> byGruu(Gruu gruu) {
        return Optional.ofNullable(byGruu.get(gruu));
    }

    Optional<EndpointRef> byEndpointId(Aor owner, EndpointId endpointId) {
        return Optional.ofNullable(byEndpointId.get(new EndpointKey(owner, endpointId)));
    }

    boolean isRegistered(EndpointRef endpoint) {
        return endpoint.equals(byGruu.get(endpoint.gruu()));
    }
}
