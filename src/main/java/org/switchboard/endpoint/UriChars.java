package org.switchboard.endpoint;

/**
 * Character classes of RFC 3261 §25.1 and the escape canonicalisation that §19.1.4 equivalence needs.
 * Characters are checked one by one rather than by regular expression so that the error can name the
 * offending character.
 */
final class UriChars {

    /** {@code user-unreserved}: allowed unescaped in the user part beside the unreserved characters. */
    static final String USER_EXTRA = "&=+$,;?/";
    static final String PASSWORD_EXTRA = "&=+$,";
    /** {@code param-unreserved}. */
    static final String PARAM_EXTRA = "[]/:&+$";
    /** {@code hnv-unreserved}. */
    static final String HEADER_EXTRA = "[]/?:+$";

    private static final String MARK = "-_.!~*'()";
    private static final String HEX = "0123456789ABCDEF";
    private static final int MAX_QUOTED = 200;

    private UriChars() {
    }

    static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    static boolean isUnreserved(char c) {
        return isAlphanumeric(c) || MARK.indexOf(c) >= 0;
    }

    /** RFC 3261 {@code token} character (method names, endpoint ids, display-name words). */
    static boolean isTokenChar(char c) {
        return isAlphanumeric(c) || "-.!%*_+`'~".indexOf(c) >= 0;
    }

    /**
     * Checks that {@code text} consists of unreserved characters, the {@code extra} ones and well-formed
     * {@code %XX} escapes.
     */
    static void check(String text, String extra, String component) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length() || hexValue(text.charAt(i + 1)) < 0 || hexValue(text.charAt(i + 2)) < 0) {
                    throw new IllegalArgumentException("malformed escape in " + component + " " + quote(text)
                            + " (expected % followed by two hex digits)");
                }
                i += 2;
            } else if (!isUnreserved(c) && extra.indexOf(c) < 0) {
                throw new IllegalArgumentException("invalid character " + quote(String.valueOf(c)) + " in "
                        + component + " " + quote(text));
            }
        }
    }

    /**
     * The canonical spelling of checked text: an escape of an unreserved character is replaced by the
     * character, every other escape keeps its hex digits in upper case. RFC 3261 §19.1.4 makes only
     * non-reserved characters equivalent to their escapes, so {@code %3B} and {@code ;} stay different.
     */
    static String canonical(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length()) {
                char decoded = (char) (hexValue(text.charAt(i + 1)) * 16 + hexValue(text.charAt(i + 2)));
                if (isUnreserved(decoded)) {
                    out.append(decoded);
                } else {
                    out.append('%').append(HEX.charAt(decoded >> 4)).append(HEX.charAt(decoded & 0xF));
                }
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * Quotes untrusted text for an error message: control characters become '?' and long text is cut,
     * because these messages end up in logs and responses.
     */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 5).append('\'');
        for (int i = 0; i < text.length() && i < MAX_QUOTED; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        if (text.length() > MAX_QUOTED) {
            out.append("...");
        }
        return out.append('\'').toString();
    }
}
