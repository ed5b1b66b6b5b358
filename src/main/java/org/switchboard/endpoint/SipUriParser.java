package org.switchboard.endpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** Reads the text forms of {@link SipUri}: the URI itself (RFC 3261 §19.1) and a header's name-addr. */
final class SipUriParser {

    /** Longer input is refused before any work, so hostile text costs nothing. */
    static final int MAX_LENGTH = 4096;

    private SipUriParser() {
    }

    static SipUri parse(String text) {
        try {
            return parseChecked(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid SIP URI " + UriChars.quote(text) + ": " + e.getMessage(), e);
        }
    }

    private static SipUri parseChecked(String text) {
        String s = Objects.requireNonNull(text, "text").strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        if (s.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("longer than " + MAX_LENGTH + " characters");
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("no scheme (expected sip: or sips:)");
        }
        SipUri.Scheme scheme = switch (s.substring(0, colon).toLowerCase(Locale.ROOT)) {
            case "sip" -> SipUri.Scheme.SIP;
            case "sips" -> SipUri.Scheme.SIPS;
            default -> throw new IllegalArgumentException("scheme must be sip or sips");
        };
        String rest = s.substring(colon + 1);

        // '@' may not appear unescaped after the userinfo, so the first one ends it.
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            String userinfo = rest.substring(0, at);
            int separator = userinfo.indexOf(':');
            user = Optional.of(separator < 0 ? userinfo : userinfo.substring(0, separator));
            password = separator < 0 ? Optional.empty() : Optional.of(userinfo.substring(separator + 1));
            rest = rest.substring(at + 1);
        }

        int i;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unterminated IPv6 reference");
            }
            i = close + 1;
            if (i < rest.length() && ":;?".indexOf(rest.charAt(i)) < 0) {
                throw new IllegalArgumentException("unexpected " + UriChars.quote(rest.substring(i, i + 1))
                        + " after the IPv6 reference");
            }
        } else {
            i = indexOfAny(rest, ":;?", 0);
        }
        String host = rest.substring(0, i);

        OptionalInt port = OptionalInt.empty();
        if (i < rest.length() && rest.charAt(i) == ':') {
            int end = indexOfAny(rest, ";?", i + 1);
            port = OptionalInt.of(parsePort(rest.substring(i + 1, end)));
            i = end;
        }

        int question = rest.indexOf('?', i);
        int parametersEnd = question < 0 ? rest.length() : question;
        List<SipUri.Parameter> parameters = new ArrayList<>();
        if (i < parametersEnd) {
            // whatever follows host and port must be parameters: i points at ';' here
            for (String item : rest.substring(i + 1, parametersEnd).split(";", -1)) {
                parameters.add(parameter(item));
            }
        }

        List<SipUri.Header> headers = new ArrayList<>();
        if (question >= 0) {
            String headerText = rest.substring(question + 1);
            if (headerText.isEmpty()) {
                throw new IllegalArgumentException("empty header component after '?'");
            }
            for (String item : headerText.split("&", -1)) {
                headers.add(header(item));
            }
        }
        return SipUri.of(scheme, user, password, host, port, parameters, headers);
    }

    private static int parsePort(String digits) {
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("invalid port " + UriChars.quote(digits));
        }
        return Integer.parseInt(digits);
    }

    private static SipUri.Parameter parameter(String item) {
        int equals = item.indexOf('=');
        return equals < 0
                ? new SipUri.Parameter(item, Optional.empty())
                : new SipUri.Parameter(item.substring(0, equals), Optional.of(item.substring(equals + 1)));
    }

    private static SipUri.Header header(String item) {
        int equals = item.indexOf('=');
        if (equals < 0) {
            throw new IllegalArgumentException("header component " + UriChars.quote(item) + " has no '='");
        }
        return new SipUri.Header(item.substring(0, equals), item.substring(equals + 1));
    }

    private static int indexOfAny(String text, String chars, int from) {
        for (int i = from; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }

    static SipUri fromNameAddr(String headerValue) {
        String s = Objects.requireNonNull(headerValue, "headerValue").strip();
        if (s.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("invalid name-addr: longer than " + MAX_LENGTH + " characters");
        }
        int open;
        if (s.startsWith("\"")) {
            int endQuote = endOfQuotedString(s);
            open = endQuote + 1;
            while (open < s.length() && Character.isWhitespace(s.charAt(open))) {
                open++;
            }
            if (open >= s.length() || s.charAt(open) != '<') {
                throw invalidNameAddr(headerValue, "expected '<' after the quoted display name");
            }
        } else {
            open = s.indexOf('<');
            if (open < 0) {
                return addrSpec(s, headerValue);
            }
            checkDisplayName(s.substring(0, open), headerValue);
        }
        int close = s.indexOf('>', open);
        if (close < 0) {
            throw invalidNameAddr(headerValue, "missing '>'");
        }
        String tail = s.substring(close + 1).strip();
        if (!tail.isEmpty() && tail.charAt(0) != ';') {
            throw invalidNameAddr(headerValue, "unexpected text after '>'");
        }
        return parse(s.substring(open + 1, close));
    }

    /** Without angle brackets, parameters after the URI belong to the header (RFC 3261 §20.10). */
    private static SipUri addrSpec(String s, String headerValue) {
        int semicolon = s.indexOf(';');
        String uri = semicolon < 0 ? s : s.substring(0, semicolon);
        if (uri.indexOf('>') >= 0 || uri.indexOf('"') >= 0) {
            throw invalidNameAddr(headerValue, "unbalanced angle brackets or quotes");
        }
        return parse(uri);
    }

    private static int endOfQuotedString(String s) {
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        throw invalidNameAddr(s, "unterminated quoted display name");
    }

    /**
     * An unquoted display name is words of token characters; letters beyond ASCII are let through because
     * clients send UTF-8 names unquoted and the name is discarded anyway.
     */
    private static void checkDisplayName(String displayName, String headerValue) {
        for (int i = 0; i < displayName.length(); i++) {
            char c = displayName.charAt(i);
            if (!UriChars.isTokenChar(c) && c != ' ' && c != '\t' && (c < 0x80 || Character.isISOControl(c))) {
                throw invalidNameAddr(headerValue, "invalid character " + UriChars.quote(String.valueOf(c))
                        + " in display name");
            }
        }
    }

    private static IllegalArgumentException invalidNameAddr(String headerValue, String reason) {
        return new IllegalArgumentException("invalid name-addr " + UriChars.quote(headerValue) + ": " + reason);
    }
}
