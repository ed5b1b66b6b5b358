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
import org.switchboard.testing.RunningSwitchboard;

/** The HTTP health resource of the deployed archive, through the container's HTTP connector. */
class HealthIT {

    @TempDir
    static Path work;

    static RunningSwitchboard server;

    @BeforeAll
    static void start() throws Exception {
        server = RunningSwitchboard.in(work).start();
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
    void health_names_the_version_the_uptime_and_the_sip_addresses() throws Exception {
        JsonNode body = new ObjectMapper().readTree(get("/health").body());
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
