package org.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The health JSON as tests read it: the small unauthenticated {@code GET /health}, and the detail behind the
 * operator's login, {@code GET /api/health} (the configuration needs {@link AdminLogin#configSection()}).
 */
public final class Health {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Health() {
    }

    /** {@code GET /health}: status, readiness, version. */
    public static JsonNode small(RunningSwitchboard server) throws IOException, InterruptedException {
        return read(server.http("/health"), null);
    }

    /** {@code GET /api/health} with the test operator's credentials. */
    public static JsonNode detail(RunningSwitchboard server) throws IOException, InterruptedException {
        return detail(server.http(""));
    }

    /** {@code GET /api/health} of the application at {@code base} (its context root, e.g. http://127.0.0.1:8080/switchboard). */
    public static JsonNode detail(URI base) throws IOException, InterruptedException {
        String root = base.toString().replaceAll("/+$", "");
        return read(URI.create(root + "/api/health"), AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD));
    }

    private static JsonNode read(URI uri, String authorization) throws IOException, InterruptedException {
        var request = AdminLogin.request(uri).timeout(Duration.ofSeconds(10)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = AdminLogin.send(request.build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
