package org.switchboard.admin.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The operator's credentials from the configuration, checked in constant time. The last pair that matched is
 * remembered as a SHA-256 digest, so that a client sending HTTP Basic with every request (Prometheus) does not
 * pay for the slow password hash each time; any other pair pays it in full.
 */
public final class Credentials {

    private final byte[] username;
    /** Password checks at once: half the cores (at least one), so logins never take the SIP service's CPU. */
    static final int HASHING_AT_ONCE = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    static final Duration HASHING_WAIT = Duration.ofSeconds(5);

    private final PasswordHash hash;
    private final Semaphore hashing = new Semaphore(HASHING_AT_ONCE, true);
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
        boolean passwordMatches = hashMatches(password); // always computed: no timing hint on the user name
        if (userMatches && passwordMatches) {
            lastMatch = digest;
            return true;
        }
        return false;
    }

    /**
     * The slow hash, at most {@link #HASHING_AT_ONCE} at a time: many logins at once queue here instead of taking
     * every core. One that waits longer than {@link #HASHING_WAIT} is refused as {@link Busy}.
     */
    private boolean hashMatches(String password) {
        boolean permitted;
        try {
            permitted = hashing.tryAcquire(HASHING_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        }
        if (!permitted) {
            throw new Busy();
        }
        try {
            return hash.matches(password.toCharArray());
        } finally {
            hashing.release();
        }
    }

    /** Too many password checks are under way: the caller answers "busy, try again" rather than queueing for ever. */
    public static final class Busy extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Busy() {
            super("too many logins are being checked at once", null, false, false);
        }
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
