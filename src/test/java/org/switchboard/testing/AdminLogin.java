package org.switchboard.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.switchboard.admin.auth.PasswordHash;

/** The operator's credentials for tests, their configuration section, and HTTP helpers for the admin API. */
public final class AdminLogin {

    public static final String USER = "ops";
    public static final String PASSWORD = "correct horse battery staple";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdminLogin() {
    }

    /** The {@code admin:} section of a configuration, with a cheap hash so tests stay quick. */
    public static String configSection() {
        return "admin:\n  username: " + USER + "\n  password-hash: \"" + PasswordHash.of(PASSWORD.toCharArray(), 10_000).encoded() + "\"\n";
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public static HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    }

    public static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A logged-in status-page session: its cookie and CSRF token. */
    public record Session(String cookie, String csrfToken) {
    }

    /** Logs in through the form, as the page does, and reads the CSRF token from the page. */
    public static Session logIn(RunningSwitchboard server) throws IOException, InterruptedException {
        HttpResponse<String> login = postForm(server, USER, PASSWORD);
        if (login.statusCode() != 303) {
            throw new IllegalStateException("login answered " + login.statusCode() + ": " + login.body());
        }
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        HttpResponse<String> page = send(request(server.http("/status")).header("Cookie", cookie).GET().build());
        Matcher token = CSRF.matcher(page.body());
        if (!token.find()) {
            throw new IllegalStateException("no CSRF token on the status page: " + page.body());
        }
        return new Session(cookie, token.group(1));
    }

    public static HttpResponse<String> postForm(RunningSwitchboard server, String user, String password) throws IOException, InterruptedException {
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        return send(request(server.http("/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://127.0.0.1:" + server.httpPort()).POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }
}
