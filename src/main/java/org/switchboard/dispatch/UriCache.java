package org.switchboard.dispatch;

import java.util.concurrent.ConcurrentHashMap;
import org.switchboard.endpoint.SipUri;

/**
 * Parsed SIP URIs by their text. The same To AORs and callers come back request after request, so
 * parsing each once saves the work on the hot path. Bounded: when full it starts over, which costs a
 * few parses and never grows memory.
 */
final class UriCache {

    private final int capacity;
    private final ConcurrentHashMap<String, SipUri> parsed = new ConcurrentHashMap<>();

    UriCache(int capacity) {
        this.capacity = capacity;
    }

    /** The parsed URI; {@link IllegalArgumentException} for text that is not a SIP URI (never cached). */
    SipUri parse(String text) {
        SipUri uri = parsed.get(text);
        if (uri == null) {
            uri = SipUri.parse(text);
            if (parsed.size() >= capacity) {
                parsed.clear();
            }
            parsed.put(text, uri);
        }
        return uri;
    }

    int size() {
        return parsed.size();
    }
}
