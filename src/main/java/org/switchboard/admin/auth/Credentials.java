package org.switchboard.admin.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/**
 * The operator's credentials from the configuration, checked in constant time. The last pair that matched is
 * remembered as a SHA-256 digest, so that a client sending HTTP Basic with every request (Prometheus) does not
 * pay for the slow password hash each time; any other pair pays it in full.
 */
public final class Credentials {

    private final byte[] username;
    private final PasswordHash hash;
    private volatile byte[] lastMatch;

    public Credentials(String username, PasswordHash hash) {
        this.username = username.getBytes(StandardCharsets.UTF_8);
        this.hash = hash;
    }

    public boolean matches(String user, String password) {
        if (user == null || password == null) {
            return false;
        }
        byte[] digest = digest(user, password);
        byte[] remembered = lastMatch;
        if (remembered != null && MessageDigest.isEqual(remembered, digest)) {
            return true;
        }
        boolean userMatches = MessageDigest.isEqual(username, user.getBytes(StandardCharsets.UTF_8));
        boolean passwordMatches = hash.matches(password.toCharArray()); // always computed: no timing hint on the user name
        if (userMatches && passwordMatches) {
            lastMatch = digest;
            return true;
        }
        return false;
    }

    /** Checks an {@code Authorization: Basic …} header value; false for anything else. */
    public boolean matchesBasic(String authorization) {
        return basic(authorization).map(pair -> matches(pair[0], pair[1])).orElse(false);
    }

    static Optional<String[]> basic(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? Optional.empty() : Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
    }

    private static byte[] digest(String user, String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(user.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            return sha.digest(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
