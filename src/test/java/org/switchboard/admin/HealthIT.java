package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.Version;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;

/**
 * The HTTP health resources of the deployed archive, through the container's HTTP connector: the small
 * unauthenticated {@code /health} for load balancers and monitors, and the detail behind the operator's login.
 */
class HealthIT {

    @TempDir
    static Path work;

    static RunningSwitchboard server;

    @BeforeAll
    static void start() throws Exception {
        server = RunningSwitchboard.in(work).configText(AdminLogin.configSection() + """
                endpoints:
                  - aor: sip:echo@example.com
                    bean: echo
                """).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(server.http(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void health_answers_200_with_json() throws Exception {
        HttpResponse<String> response = get("/health");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
    }

    @Test
    void unauthenticated_health_says_only_up_ready_and_the_version() throws Exception {
        JsonNode body = new ObjectMapper().readTree(get("/health").body());
        assertThat(body.path("status").asText()).isEqualTo("up");
        assertThat(body.path("ready").asBoolean()).isTrue();
        assertThat(body.path("version").asText()).isEqualTo(Version.current());
        List<String> fields = new ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("status", "ready", "version");
    }

    @Test
    void the_detail_needs_the_operators_login() throws Exception {
        assertThat(get("/api/health").statusCode()).isEqualTo(401);
    }

    @Test
    void the_detail_names_the_version_the_uptime_and_the_sip_addresses() throws Exception {
        JsonNode body = Health.detail(server);
        assertThat(body.path("status").asText()).isEqualTo("up");
        assertThat(body.path("version").asText()).isEqualTo(Version.current()).isNotEqualTo("unknown");
        assertThat(body.path("uptimeSeconds").isIntegralNumber()).isTrue();
        assertThat(body.path("uptimeSeconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(Instant.parse(body.path("startedAt").asText())).isBefore(Instant.now().plusSeconds(1));
        List<String> sip = new ArrayList<>();
        body.path("sipAddresses").forEach(node -> sip.add(node.asText()));
        assertThat(sip).containsExactlyInAnyOrder(
                "sip:127.0.0.1:" + server.sipPort() + ";transport=udp",
                "sip:127.0.0.1:" + server.sipPort() + ";transport=tcp");
    }

    @Test
    void an_unknown_resource_is_404() throws Exception {
        assertThat(get("/no-such-thing").statusCode()).isEqualTo(404);
    }
}
