package org.switchboard.admin.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Status-page logins: a random session token (the cookie) with its own random CSRF token, lapsing after an
 * idle time. Kept in memory, at most {@value #MAX_SESSIONS} at once (the least recently used goes first), so
 * a restart logs everyone out. Plain Java on an injected clock.
 */
public final class AdminSessions {

    static final int MAX_SESSIONS = 100;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A login: the CSRF token every write must carry. */
    public record Session(String token, String csrfToken) {
        /** Whether {@code presented} is this session's CSRF token; compares in constant time. */
        public boolean acceptsCsrfToken(String presented) {
            return presented != null && MessageDigest.isEqual(csrfToken.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    presented.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    private record Entry(Session session, Instant lastUsed) {
    }

    private final Clock clock;
    private final Duration idle;
    /** Access order: the eldest is the least recently used. */
    private final LinkedHashMap<String, Entry> sessions = new LinkedHashMap<>(16, 0.75f, true);

    public AdminSessions(Clock clock, Duration idle) {
        this.clock = clock;
        this.idle = idle;
    }

    /** A new login. */
    public synchronized Session create() {
        Session session = new Session(randomToken(), randomToken());
        sessions.put(session.token(), new Entry(session, clock.instant()));
        Iterator<Map.Entry<String, Entry>> eldest = sessions.entrySet().iterator();
        while (sessions.size() > MAX_SESSIONS && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
        return session;
    }

    /** The live session of this token, its idle time restarted; empty when unknown or lapsed. */
    public synchronized Optional<Session> find(String token) {
        if (token == null) {
            return Optional.empty();
        }
        Entry entry = sessions.get(token);
        Instant now = clock.instant();
        if (entry == null) {
            return Optional.empty();
        }
        if (!now.isBefore(entry.lastUsed().plus(idle))) {
            sessions.remove(token);
            return Optional.empty();
        }
        sessions.put(token, new Entry(entry.session(), now));
        return Optional.of(entry.session());
    }

    /** Logs out. */
    public synchronized void remove(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
