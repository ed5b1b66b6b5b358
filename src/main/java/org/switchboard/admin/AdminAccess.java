package org.switchboard.admin;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import javax.servlet.ServletContext;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.switchboard.admin.auth.AdminSessions;
import org.switchboard.admin.auth.Credentials;
import org.switchboard.admin.auth.LoginThrottle;
import org.switchboard.admin.auth.PasswordHash;
import org.switchboard.admin.auth.SameOrigin;
import org.switchboard.config.AdminSettings;
import org.switchboard.platform.Platform;

/**
 * Who may use the status page, the JSON API and the metrics, in one place for every admin servlet.
 * Reads: a status-page session (cookie) or HTTP Basic with the configured credentials. Writes: a session, its
 * CSRF token in {@value #CSRF_HEADER}, and no foreign {@code Origin}/{@code Referer}. With no credentials
 * configured, everything is refused ({@code 503}).
 */
final class AdminAccess {

    static final String COOKIE = "switchboard-admin";
    static final String CSRF_HEADER = "X-CSRF-Token";
    /** The status page's own requests carry this, so a lapsed session shows the login form, not the browser's Basic prompt. */
    static final String PAGE_HEADER = "X-Switchboard-Page";
    private static final String ATTRIBUTE = AdminAccess.class.getName();

    /** Why a request is refused; {@code null} verdict fields mean allowed. */
    record Refusal(int status, String message) {
    }

    /** Failed logins a client may make in {@link #FAILED_LOGIN_WINDOW} before it is refused until that window ends. */
    static final int MAX_FAILED_LOGINS = 10;
    static final Duration FAILED_LOGIN_WINDOW = Duration.ofMinutes(1);
    private static final int TRACKED_CLIENTS = 10_000;
    private static final int TOO_MANY_REQUESTS = 429; // not among Servlet 3.0's constants

    private final Optional<Credentials> credentials;
    private final AdminSessions sessions;
    private final LoginThrottle throttle = new LoginThrottle(Clock.systemUTC(), MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW, TRACKED_CLIENTS);

    private AdminAccess(AdminSettings settings) {
        credentials = settings.configured()
                ? Optional.of(new Credentials(settings.username(), PasswordHash.parse(settings.passwordHash())))
                : Optional.empty();
        sessions = new AdminSessions(Clock.systemUTC(), Duration.ofMinutes(settings.sessionIdleMinutes()));
    }

    /** The one instance of this application. */
    static synchronized AdminAccess of(ServletContext context) {
        Object existing = context.getAttribute(ATTRIBUTE);
        if (existing instanceof AdminAccess access) {
            return access;
        }
        AdminAccess access = new AdminAccess(Platform.of(context).config().admin());
        context.setAttribute(ATTRIBUTE, access);
        return access;
    }

    boolean configured() {
        return credentials.isPresent();
    }

    static Refusal notConfigured() {
        return new Refusal(HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                "The status page and API are not configured: set admin.username and admin.password-hash (deploy/run --hash-password)");
    }

    /** The live login of this request, if any. */
    Optional<AdminSessions.Session> session(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return Optional.empty();
        }
        for (Cookie cookie : cookies) {
            if (COOKIE.equals(cookie.getName())) {
                return sessions.find(cookie.getValue());
            }
        }
        return Optional.empty();
    }

    /** Empty when the request may read; else why not. */
    Optional<Refusal> checkRead(HttpServletRequest request) {
        if (credentials.isEmpty()) {
            return Optional.of(notConfigured());
        }
        String authorization = request.getHeader("Authorization");
        if (authorization != null) {
            return check(request.getRemoteAddr(), () -> credentials.get().matchesBasic(authorization));
        }
        return session(request).isPresent() ? Optional.empty()
                : Optional.of(new Refusal(HttpServletResponse.SC_UNAUTHORIZED, "Log in first (status page, or HTTP Basic)"));
    }

    /**
     * Empty when a request may reach the web console; else why not. hawtio's Jolokia client posts reads and writes
     * alike, without the status page's CSRF token, so every request needs a login (a session or HTTP Basic) and
     * a browser's request must come from this server (its {@code Origin}/{@code Referer}); the session cookie is
     * never sent cross-site (SameSite=Strict) in the first place.
     */
    Optional<Refusal> checkConsole(HttpServletRequest request) {
        if (!SameOrigin.allows(request.getScheme(), request.getHeader("Host"), request.getHeader("Origin"), request.getHeader("Referer"))) {
            return Optional.of(new Refusal(HttpServletResponse.SC_FORBIDDEN, "Cross-site request refused"));
        }
        return checkRead(request);
    }

    /** Empty when the request may change something; else why not. */
    Optional<Refusal> checkWrite(HttpServletRequest request) {
        if (credentials.isEmpty()) {
            return Optional.of(notConfigured());
        }
        if (!SameOrigin.allows(request.getScheme(), request.getHeader("Host"), request.getHeader("Origin"), request.getHeader("Referer"))) {
            return Optional.of(new Refusal(HttpServletResponse.SC_FORBIDDEN, "Cross-site request refused"));
        }
        Optional<AdminSessions.Session> session = session(request);
        if (session.isEmpty()) {
            return Optional.of(new Refusal(HttpServletResponse.SC_UNAUTHORIZED, "Writes need a status-page login (POST /login)"));
        }
        if (!session.get().acceptsCsrfToken(request.getHeader(CSRF_HEADER))) {
            return Optional.of(new Refusal(HttpServletResponse.SC_FORBIDDEN, "Missing or wrong " + CSRF_HEADER));
        }
        return Optional.empty();
    }

    /** A login form's outcome: a new session, or why not. */
    record Login(Optional<AdminSessions.Session> session, Optional<Refusal> refusal) {
    }

    /** Checks a login form's credentials from {@code client} (its address); a new session when they match. */
    Login login(String client, String username, String password) {
        if (credentials.isEmpty()) {
            return new Login(Optional.empty(), Optional.of(notConfigured()));
        }
        Optional<Refusal> refusal = check(client, () -> credentials.get().matches(username, password));
        return refusal.isPresent() ? new Login(Optional.empty(), refusal) : new Login(Optional.of(sessions.create()), Optional.empty());
    }

    /**
     * One password check from {@code client}: refused at once while the client is throttled after failed logins
     * (429, the password not checked), refused when too many checks run at once (503), else counted as a success
     * or a failure.
     */
    private Optional<Refusal> check(String client, java.util.function.BooleanSupplier matches) {
        Optional<Duration> throttled = throttle.refusedFor(client);
        if (throttled.isPresent()) {
            return Optional.of(new Refusal(TOO_MANY_REQUESTS, "Too many failed logins from " + client + "; try again in "
                    + Math.max(1, throttled.get().toSeconds()) + " s"));
        }
        boolean matched;
        try {
            matched = matches.getAsBoolean();
        } catch (Credentials.Busy busy) {
            return Optional.of(new Refusal(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Too many logins at once; try again"));
        }
        if (matched) {
            throttle.succeeded(client);
            return Optional.empty();
        }
        throttle.failed(client);
        return Optional.of(new Refusal(HttpServletResponse.SC_UNAUTHORIZED, "Wrong username or password"));
    }

    void logout(HttpServletRequest request) {
        session(request).ifPresent(s -> sessions.remove(s.token()));
    }

    /** The session cookie: not readable by scripts, never sent with a cross-site request. */
    static void setCookie(HttpServletRequest request, HttpServletResponse response, String value, boolean expire) {
        // Path=/ so that the web console beside the application (its own context) sees the same login.
        // Tomcat 7's Cookie has no SameSite, so the header is written whole.
        response.addHeader("Set-Cookie", COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict"
                + (request.isSecure() ? "; Secure" : "") + (expire ? "; Max-Age=0" : ""));
    }

    /** Headers every admin answer carries: nothing cached, nothing framed or sniffed, scripts only from here. */
    static void secureHeaders(HttpServletResponse response) {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "same-origin");
        response.setHeader("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                + "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    }
}
