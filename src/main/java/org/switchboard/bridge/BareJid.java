package org.switchboard.bridge;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An XMPP address without its resource ({@code local@domain}): whom a subscription is to or from. Both parts
 * are kept in lower case, as the servers compare them; a local part with characters XMPP forbids is refused.
 */
public record BareJid(String local, String domain) {

    private static final Pattern FORBIDDEN_IN_LOCAL = Pattern.compile("[\\s\"&'/:<>@\\p{Cntrl}]");

    public BareJid {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(domain, "domain");
        local = local.toLowerCase(Locale.ROOT);
        domain = domain.toLowerCase(Locale.ROOT);
        if (local.isEmpty() || local.length() > 1023 || FORBIDDEN_IN_LOCAL.matcher(local).find()) {
            throw new IllegalArgumentException("not a valid XMPP local part: '" + local + "'");
        }
        if (domain.isEmpty()) {
            throw new IllegalArgumentException("an XMPP address needs a domain");
        }
    }

    /** {@code local@domain}, or {@code local@domain/resource} with the resource dropped. */
    public static BareJid parse(String text) {
        String bare = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
        int at = bare.indexOf('@');
        if (at <= 0) {
            throw new IllegalArgumentException("not a user's XMPP address: '" + text + "'");
        }
        return new BareJid(bare.substring(0, at), bare.substring(at + 1));
    }

    @Override
    public String toString() {
        return local + "@" + domain;
    }
}
