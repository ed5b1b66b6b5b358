package org.switchboard.endpoint;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A globally routable user agent URI (RFC 5627): an AOR plus a {@code gr} parameter naming one endpoint,
 * as in {@code sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6}.
 *
 * <p>Its identity is the AOR and the {@code gr} value alone; other parameters of a URI it was read from
 * do not matter. The value is kept in lower case since URI parameter values compare case-insensitively.
 */
public record Gruu(Aor aor, String gr) {

    static final String PARAMETER = "gr";

    /**
     * The namespace of {@link #derive} UUIDs. Changing it, or how the name is encoded, changes every
     * endpoint's GRUU, so it must never change.
     */
    private static final UUID NAMESPACE = UUID.fromString("51719edd-8ab4-48fb-89c3-af7e6364f9a3");

    /** @throws IllegalArgumentException when {@code gr} is not a valid URI parameter value */
    public Gruu {
        Objects.requireNonNull(aor, "aor");
        Objects.requireNonNull(gr, "gr");
        gr = new SipUri.Parameter(PARAMETER, Optional.of(gr)).value().orElseThrow().toLowerCase(Locale.ROOT);
    }

    /** The GRUU {@code <aor>;gr=urn:uuid:<instance>}. */
    public static Gruu of(Aor aor, UUID instance) {
        return new Gruu(aor, "urn:uuid:" + instance);
    }

    /**
     * The GRUU of the endpoint called {@code endpointName} under {@code aor}, the same on every start
     * without storing anything: its UUID is name-based (version 5, SHA-1) over the canonical AOR and the
     * name.
     */
    public static Gruu derive(Aor aor, String endpointName) {
        Objects.requireNonNull(endpointName, "endpointName");
        if (endpointName.isBlank()) {
            throw new IllegalArgumentException("blank endpoint name");
        }
        // NUL cannot occur in a URI, so the (AOR, name) pair is encoded without ambiguity
        return of(aor, nameBasedUuid(aor + "\u0000" + endpointName));
    }

    /** The GRUU a URI addresses, when it has a {@code gr} parameter with a value. */
    public static Optional<Gruu> from(SipUri uri) {
        return uri.parameter(PARAMETER)
                .flatMap(SipUri.Parameter::value)
                .map(value -> new Gruu(Aor.of(uri), value));
    }

    /** The GRUU as a URI, for a Contact header. */
    public SipUri uri() {
        return aor.uri().withParameter(PARAMETER, gr);
    }

    @Override
    public String toString() {
        return uri().toString();
    }

    private static UUID nameBasedUuid(String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
        sha1.update(ByteBuffer.allocate(16)
                .putLong(NAMESPACE.getMostSignificantBits())
                .putLong(NAMESPACE.getLeastSignificantBits())
                .array());
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer bits = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bits.getLong(), bits.getLong());
    }
}
