package org.switchboard.endpoint;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A response to a request an endpoint sent, as its bean sees it: status, reason phrase, headers and body.
 * Header names compare without regard to case; a header that came several times (or as a comma-separated
 * list the container split) keeps its values in order.
 */
public final class SipResponse {

    private final int status;
    private final String reasonPhrase;
    private final Map<String, List<String>> headers;
    private final Optional<String> contentType;
    private final byte[] content;

    private SipResponse(int status, String reasonPhrase, Map<String, List<String>> headers, Optional<String> contentType,
            byte[] content) {
        this.status = status;
        this.reasonPhrase = reasonPhrase;
        this.headers = headers;
        this.contentType = contentType;
        this.content = content;
    }

    /**
     * A response value; the platform builds these from the wire, a bean's own tests may build them too.
     *
     * @throws IllegalArgumentException when {@code status} is not a SIP status code (100 to 699)
     */
    public static SipResponse of(int status, String reasonPhrase, Map<String, List<String>> headers, Optional<String> contentType,
            byte[] content) {
        if (status < 100 || status > 699) {
            throw new IllegalArgumentException("SIP status codes run from 100 to 699, not " + status);
        }
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        return new SipResponse(status, Objects.requireNonNull(reasonPhrase, "reasonPhrase"), Collections.unmodifiableMap(copy),
                Objects.requireNonNull(contentType, "contentType"), content == null ? new byte[0] : content.clone());
    }

    public int status() {
        return status;
    }

    public String reasonPhrase() {
        return reasonPhrase;
    }

    /** A 1xx: the request is being worked on; the final response is still to come. */
    public boolean isProvisional() {
        return status < 200;
    }

    /** A 2xx. */
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** The first value of the header {@code name}, if the response has it. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Every value of the header {@code name}, in order (empty when it has none). */
    public List<String> headers(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** Every header, by name (case-insensitive keys). */
    public Map<String, List<String>> headers() {
        return headers;
    }

    public Optional<String> contentType() {
        return contentType;
    }

    public byte[] content() {
        return content.clone();
    }

    /** The body decoded as UTF-8 (empty when there is none). */
    public String text() {
        return new String(content, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return status + " " + reasonPhrase;
    }
}
