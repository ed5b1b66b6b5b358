package org.switchboard.endpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * An immutable SIP or SIPS URI (RFC 3261 §19.1), compared as RFC 3261 §19.1.4 says.
 *
 * <p>User, password, parameter and header text is kept in canonical form: escapes of unreserved
 * characters are decoded ({@code %61lice} becomes {@code alice}), other escapes are kept with upper-case
 * hex digits. The host keeps the case it was written in.
 *
 * <p>§19.1.4 equivalence is not transitive: {@code ;security=on} matches a URI without {@code security},
 * which matches {@code ;security=off}, but the two do not match each other. {@link #hashCode()} therefore
 * uses only the components that must match whenever either URI has them (scheme, user, password, host,
 * port and the {@code user}, {@code ttl}, {@code method}, {@code maddr} and {@code transport} parameters),
 * so equivalent URIs always hash alike and a SipUri can be a hash key.
 */
public final class SipUri {

    /** The two schemes this type accepts; they are never equivalent to each other. */
    public enum Scheme {
        SIP, SIPS;

        /** The scheme as written in a URI, without the colon. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A uri-parameter; {@code value} is empty for a flag such as {@code lr}. */
    public record Parameter(String name, Optional<String> value) {
        public Parameter {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty parameter name");
            }
            UriChars.check(name, UriChars.PARAM_EXTRA, "parameter name");
            if (value.isPresent()) {
                if (value.get().isEmpty()) {
                    throw new IllegalArgumentException("empty value for parameter " + UriChars.quote(name));
                }
                UriChars.check(value.get(), UriChars.PARAM_EXTRA, "value of parameter " + UriChars.quote(name));
            }
            name = UriChars.canonical(name);
            value = value.map(UriChars::canonical);
        }
    }

    /** A header component ({@code ?name=value}) of the URI. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty header name");
            }
            UriChars.check(name, UriChars.HEADER_EXTRA, "header name");
            UriChars.check(value, UriChars.HEADER_EXTRA, "value of header " + UriChars.quote(name));
            name = UriChars.canonical(name);
            value = UriChars.canonical(value);
        }
    }

    /** Parameters that make two URIs differ when either URI has them (RFC 3261 §19.1.4). */
    private static final Set<String> MUST_MATCH = Set.of("user", "ttl", "method", "maddr", "transport");

    private final Scheme scheme;
    private final Optional<String> user;
    private final Optional<String> password;
    private final String host;
    private final OptionalInt port;
    private final List<Parameter> parameters;
    private final List<Header> headers;

    // Comparison keys, computed once: lower-case names to lower-case values ("" for a flag).
    private final String hostKey;
    private final Map<String, String> mustMatchKeys;
    private final Map<String, String> otherParameterKeys;
    private final List<String> headerKeys;
    private SipUri addressOfRecord;

    private SipUri(Scheme scheme, Optional<String> user, Optional<String> password, String host, OptionalInt port,
            List<Parameter> parameters, List<Header> headers) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        this.host = Objects.requireNonNull(host, "host");
        this.port = Objects.requireNonNull(port, "port");
        this.parameters = List.copyOf(parameters);
        this.headers = List.copyOf(headers);
        if (user.isEmpty() && password.isPresent()) {
            throw new IllegalArgumentException("a password needs a user");
        }
        port.ifPresent(p -> {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("port " + p + " out of range 0-65535");
            }
        });
        this.hostKey = Hosts.key(host);
        Map<String, String> mustMatch = new HashMap<>();
        Map<String, String> other = new HashMap<>();
        for (Parameter parameter : this.parameters) {
            String name = parameter.name().toLowerCase(Locale.ROOT);
            String value = parameter.value().orElse("").toLowerCase(Locale.ROOT);
            Map<String, String> keys = MUST_MATCH.contains(name) ? mustMatch : other;
            if (keys.put(name, value) != null) {
                throw new IllegalArgumentException("duplicate parameter " + UriChars.quote(parameter.name()));
            }
        }
        this.mustMatchKeys = Map.copyOf(mustMatch);
        this.otherParameterKeys = Map.copyOf(other);
        List<String> headerKeyList = new ArrayList<>();
        for (Header header : this.headers) {
            // hname cannot contain '=', so name=value is an unambiguous key
            headerKeyList.add(header.name().toLowerCase(Locale.ROOT) + "=" + header.value());
        }
        Collections.sort(headerKeyList);
        this.headerKeys = List.copyOf(headerKeyList);
    }

    /** Builds a URI from components, validating them. */
    static SipUri of(Scheme scheme, Optional<String> user, Optional<String> password, String host, OptionalInt port,
            List<Parameter> parameters, List<Header> headers) {
        Optional<String> canonicalUser = user.map(u -> {
            if (u.isEmpty()) {
                throw new IllegalArgumentException("empty user part");
            }
            UriChars.check(u, UriChars.USER_EXTRA, "user part");
            return UriChars.canonical(u);
        });
        Optional<String> canonicalPassword = password.map(p -> {
            UriChars.check(p, UriChars.PASSWORD_EXTRA, "password");
            return UriChars.canonical(p);
        });
        return new SipUri(scheme, canonicalUser, canonicalPassword, host, port, parameters, headers);
    }

    /**
     * Parses a SIP or SIPS URI such as {@code sips:bot@example.com:5061;transport=tcp}.
     *
     * @throws IllegalArgumentException naming what is wrong when the text is not a SIP or SIPS URI
     */
    public static SipUri parse(String text) {
        return SipUriParser.parse(text);
    }

    /**
     * Extracts the URI from a From, To or Contact style header value: a name-addr such as
     * {@code "Alice" <sip:alice@example.com>;tag=1}, or a bare addr-spec, whose {@code ;} parameters then
     * belong to the header and not to the URI (RFC 3261 §20.10). Header parameters are not returned.
     *
     * @throws IllegalArgumentException naming what is wrong when the value is malformed
     */
    public static SipUri fromNameAddr(String headerValue) {
        return SipUriParser.fromNameAddr(headerValue);
    }

    public Scheme scheme() {
        return scheme;
    }

    /** The user part in canonical escaped form, as it appears in the URI. */
    public Optional<String> user() {
        return user;
    }

    public Optional<String> password() {
        return password;
    }

    /** The host as written: a hostname, an IPv4 address or a bracketed IPv6 reference. */
    public String host() {
        return host;
    }

    public OptionalInt port() {
        return port;
    }

    /** The uri-parameters in the order they were written. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The parameter with this name (compared case-insensitively). */
    public Optional<Parameter> parameter(String name) {
        for (Parameter parameter : parameters) {
            if (parameter.name().equalsIgnoreCase(name)) {
                return Optional.of(parameter);
            }
        }
        return Optional.empty();
    }

    /** The header components in the order they were written. */
    public List<Header> headers() {
        return headers;
    }

    /** This URI with one parameter added, or replaced when one of that name exists. */
    SipUri withParameter(String name, String value) {
        List<Parameter> changed = new ArrayList<>(parameters.size() + 1);
        for (Parameter parameter : parameters) {
            if (!parameter.name().equalsIgnoreCase(name)) {
                changed.add(parameter);
            }
        }
        changed.add(new Parameter(name, Optional.of(value)));
        return new SipUri(scheme, user, password, host, port, changed, headers);
    }

    /**
     * The canonical address-of-record form (RFC 3261 §10.3): no parameters, headers or password, host in
     * lower case.
     */
    SipUri addressOfRecord() {
        SipUri aor = addressOfRecord;
        if (aor == null) {
            // Immutable result: a race only computes it twice. The same parsed URI comes back request
            // after request (the dispatcher caches them), so routing finds its AOR ready.
            aor = new SipUri(scheme, user, Optional.empty(), host.toLowerCase(Locale.ROOT), port, List.of(), List.of());
            addressOfRecord = aor;
        }
        return aor;
    }

    /** Equivalence per RFC 3261 §19.1.4; see the class comment on transitivity. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SipUri other)) {
            return false;
        }
        return scheme == other.scheme
                && user.equals(other.user)
                && password.equals(other.password)
                && hostKey.equals(other.hostKey)
                && port.equals(other.port)
                && mustMatchKeys.equals(other.mustMatchKeys)
                && otherParametersAgree(other)
                && headerKeys.equals(other.headerKeys);
    }

    /** Parameters outside the must-match set are compared only when both URIs have them. */
    private boolean otherParametersAgree(SipUri other) {
        for (Map.Entry<String, String> entry : otherParameterKeys.entrySet()) {
            String theirs = other.otherParameterKeys.get(entry.getKey());
            if (theirs != null && !theirs.equals(entry.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Uses only components both URIs must share to be equal; see the class comment. */
    @Override
    public int hashCode() {
        return Objects.hash(scheme, user, password, hostKey, port, mustMatchKeys);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(scheme.id()).append(':');
        user.ifPresent(u -> {
            out.append(u);
            password.ifPresent(p -> out.append(':').append(p));
            out.append('@');
        });
        out.append(host);
        port.ifPresent(p -> out.append(':').append(p));
        for (Parameter parameter : parameters) {
            out.append(';').append(parameter.name());
            parameter.value().ifPresent(v -> out.append('=').append(v));
        }
        for (int i = 0; i < headers.size(); i++) {
            Header header = headers.get(i);
            out.append(i == 0 ? '?' : '&').append(header.name()).append('=').append(header.value());
        }
        return out.toString();
    }
}
