package org.switchboard.endpoint;

import java.util.Locale;

/**
 * Validates the {@code host} of a SIP URI (hostname, IPv4 address or bracketed IPv6 reference) and gives
 * the key two hosts are compared by.
 */
final class Hosts {

    private static final int MAX_LABEL = 63;
    private static final int MAX_HOSTNAME = 253;

    private Hosts() {
    }

    /**
     * The comparison key of a host: lower case, and for IPv6 the address itself, so that
     * {@code [::1]} and {@code [0:0:0:0:0:0:0:1]} name the same host. Names are never resolved: RFC 3261
     * §19.1.4 keeps a hostname and the address it resolves to distinct.
     */
    static String key(String host) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host");
        }
        if (host.charAt(0) == '[') {
            if (host.length() < 3 || host.charAt(host.length() - 1) != ']') {
                throw new IllegalArgumentException("malformed IPv6 reference " + UriChars.quote(host));
            }
            return "[" + ipv6Key(host.substring(1, host.length() - 1)) + "]";
        }
        if (looksLikeIpv4(host)) {
            ipv4Octets(host);
            return host;
        }
        checkHostname(host);
        return host.toLowerCase(Locale.ROOT);
    }

    private static boolean looksLikeIpv4(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    private static int[] ipv4Octets(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("malformed IPv4 address " + UriChars.quote(text));
        }
        int[] octets = new int[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("malformed IPv4 address " + UriChars.quote(text));
            }
            octets[i] = Integer.parseInt(part);
            if (octets[i] > 255) {
                throw new IllegalArgumentException("IPv4 octet out of range in " + UriChars.quote(text));
            }
        }
        return octets;
    }

    private static void checkHostname(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.isEmpty() || name.length() > MAX_HOSTNAME) {
            throw new IllegalArgumentException("invalid host " + UriChars.quote(host));
        }
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > MAX_LABEL
                    || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-'
                    || !label.chars().allMatch(c -> c == '-' || UriChars.isAlphanumeric((char) c))) {
                throw new IllegalArgumentException("invalid host " + UriChars.quote(host)
                        + " (labels are letters, digits and inner hyphens)");
            }
        }
        if (!Character.isLetter(labels[labels.length - 1].charAt(0))) {
            throw new IllegalArgumentException("invalid host " + UriChars.quote(host)
                    + " (the last label must start with a letter)");
        }
    }

    /** The eight groups of an IPv6 address, uncompressed, in lower-case hex. */
    private static String ipv6Key(String text) {
        int[] groups = new int[8];
        int gap = text.indexOf("::");
        if (gap < 0) {
            int count = parseGroups(text, groups, 0, true);
            if (count != 8) {
                throw malformedIpv6(text);
            }
        } else {
            if (text.indexOf("::", gap + 1) >= 0) {
                throw malformedIpv6(text);
            }
            String left = text.substring(0, gap);
            String right = text.substring(gap + 2);
            int[] tail = new int[8];
            int leftCount = left.isEmpty() ? 0 : parseGroups(left, groups, 0, false);
            int rightCount = right.isEmpty() ? 0 : parseGroups(right, tail, 0, true);
            if (leftCount + rightCount > 7) {
                throw malformedIpv6(text);
            }
            System.arraycopy(tail, 0, groups, 8 - rightCount, rightCount);
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            key.append(i == 0 ? "" : ":").append(Integer.toHexString(groups[i]));
        }
        return key.toString();
    }

    /** Parses colon-separated groups into {@code into}; returns how many 16-bit groups were read. */
    private static int parseGroups(String text, int[] into, int start, boolean ipv4TailAllowed) {
        String[] parts = text.split(":", -1);
        int n = start;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (ipv4TailAllowed && i == parts.length - 1 && part.indexOf('.') >= 0) {
                int[] octets = ipv4Octets(part);
                if (n + 2 > 8) {
                    throw malformedIpv6(text);
                }
                into[n++] = octets[0] << 8 | octets[1];
                into[n++] = octets[2] << 8 | octets[3];
            } else {
                if (part.isEmpty() || part.length() > 4 || n >= 8
                        || !part.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
                    throw malformedIpv6(text);
                }
                into[n++] = Integer.parseInt(part, 16);
            }
        }
        return n - start;
    }

    private static IllegalArgumentException malformedIpv6(String text) {
        return new IllegalArgumentException("malformed IPv6 address " + UriChars.quote(text));
    }
}
