package org.switchboard.admin.auth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The cross-site check of a write: a browser names the page a request comes from in {@code Origin} (every
 * modern browser on every POST) or else {@code Referer}. A write is refused when the one it names is not this
 * server as the request addressed it ({@code Host}). A request with neither (a script, not a browser) passes
 * this check; it still needs its session's CSRF token.
 */
public final class SameOrigin {

    private SameOrigin() {
    }

    /**
     * @param scheme  the request's scheme ({@code http} or {@code https})
     * @param host    the request's {@code Host} header (host and port as the client wrote them)
     * @param origin  the {@code Origin} header, or null
     * @param referer the {@code Referer} header, or null
     */
    public static boolean allows(String scheme, String host, String origin, String referer) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String self = scheme.toLowerCase(Locale.ROOT) + "://" + host.toLowerCase(Locale.ROOT);
        if (origin != null) {
            return origin.toLowerCase(Locale.ROOT).equals(self); // "null" (a sandboxed or privacy-stripped origin) never matches
        }
        if (referer != null) {
            try {
                URI uri = new URI(referer);
                return uri.getScheme() != null && uri.getRawAuthority() != null
                        && (uri.getScheme() + "://" + uri.getRawAuthority()).toLowerCase(Locale.ROOT).equals(self);
            } catch (URISyntaxException e) {
                return false;
            }
        }
        return true;
    }
}
