package org.switchboard.endpoint;

import java.util.Objects;

/**
 * An address of record, such as {@code sip:bot@example.com}: the identity an endpoint owns.
 *
 * <p>Built the way a registrar indexes bindings (RFC 3261 §10.3): every parameter ({@code gr}, {@code epid},
 * {@code transport}, even {@code user}) and every header is dropped, escapes are canonical and the host is
 * lower case. The password is dropped too, because it authenticates and does not identify. Scheme, user,
 * host and port stay: {@code sip:} and {@code sips:}, and an explicit port and none, are different AORs,
 * as they are different URIs.
 *
 * <p>Without parameters, URI equivalence is transitive, so an Aor is a sound hash key.
 */
public final class Aor {

    private final SipUri uri;
    private final int hash;

    private Aor(SipUri uri) {
        this.uri = uri;
        this.hash = uri.hashCode(); // an Aor is a hash key on every routed request
    }

    /** The AOR a URI addresses (see the class comment for what is dropped). */
    public static Aor of(SipUri uri) {
        return new Aor(Objects.requireNonNull(uri, "uri").addressOfRecord());
    }

    /**
     * Parses a URI and takes its AOR.
     *
     * @throws IllegalArgumentException when the text is not a SIP or SIPS URI
     */
    public static Aor parse(String text) {
        return of(SipUri.parse(text));
    }

    /** The AOR as a URI, without parameters or headers. */
    public SipUri uri() {
        return uri;
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof Aor other && uri.equals(other.uri));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
