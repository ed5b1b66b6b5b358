package org.switchboard.endpoint;

import java.util.Locale;
import java.util.Objects;

/**
 * An endpoint id ({@code epid}), telling apart the endpoints of one user. Kept in lower case because
 * parameter values compare case-insensitively (RFC 3261 §7.3.1, §19.1.4).
 */
public record EndpointId(String value) {

    /** Far above the 8 to 16 hex digits clients send; bounds what a hostile parameter can make us keep. */
    static final int MAX_LENGTH = 128;

    /**
     * @throws IllegalArgumentException when the value is blank, too long or has characters outside the
     *     RFC 3261 token set
     */
    public EndpointId {
        Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("blank endpoint id");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("endpoint id longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (!UriChars.isTokenChar(value.charAt(i))) {
                throw new IllegalArgumentException("invalid character " + UriChars.quote(value.substring(i, i + 1))
                        + " in endpoint id " + UriChars.quote(value));
            }
        }
        value = value.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return value;
    }
}
