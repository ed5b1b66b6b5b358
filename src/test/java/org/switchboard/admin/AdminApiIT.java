package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.RunningSwitchboard;

/** The JSON API, its authentication and its cross-site protection, and the Prometheus text, in the running server. */
class AdminApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANSWER = Duration.ofSeconds(5);

    @TempDir
    static Path work;

    private static RunningSwitchboard server;

    @BeforeAll
    static void start() throws Exception {
        int nobody = FreePorts.udpAndTcp(); // the Front End next hop does not listen: over TCP every SUBSCRIBE fails at once
        server = RunningSwitchboard.in(work).configText(AdminLogin.configSection() + """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - {name: fe, next-hop: "sip:127.0.0.1:%d;transport=tcp"}
                presence:
                  views: {retry-delays-seconds: [3600, 3600, 3600, 3600, 3600]}
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings: {targets: ["sip:bob@example.com"]}
                  - aor: sip:echo@example.com
                    bean: echo
                """.formatted(nobody)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = AdminLogin.request(server.http(path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return AdminLogin.send(request.build());
    }

    private static HttpResponse<String> post(String path, AdminLogin.Session session, String csrfToken, String origin) throws Exception {
        HttpRequest.Builder request = AdminLogin.request(server.http(path)).POST(HttpRequest.BodyPublishers.noBody());
        if (session != null) {
            request.header("Cookie", session.cookie());
        }
        if (csrfToken != null) {
            request.header("X-CSRF-Token", csrfToken);
        }
        if (origin != null) {
            request.header("Origin", origin);
        }
        return AdminLogin.send(request.build());
    }

    private static String self() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    @Test
    void requests_without_credentials_are_refused_with_a_basic_challenge() throws Exception {
        for (String path : new String[] {"/api/status", "/api/endpoints", "/api/metrics", "/api/presence?presentity=sip:bob@example.com"}) {
            HttpResponse<String> response = get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(path).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
            assertThat(response.body()).doesNotContain("monitor");
        }
    }

    @Test
    void a_wrong_password_is_refused_over_basic_and_on_the_login_form() throws Exception {
        assertThat(get("/api/status", AdminLogin.basic(AdminLogin.USER, "wrong")).statusCode()).isEqualTo(401);
        assertThat(get("/api/status", AdminLogin.basic("someone", AdminLogin.PASSWORD)).statusCode()).isEqualTo(401);
        HttpResponse<String> login = AdminLogin.postForm(server, AdminLogin.USER, "wrong");
        assertThat(login.statusCode()).isEqualTo(401);
        assertThat(login.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(login.body()).contains("Wrong username or password");
    }

    @Test
    void a_forged_session_cookie_reads_nothing() throws Exception {
        HttpResponse<String> response = AdminLogin.send(AdminLogin.request(server.http("/api/status"))
                .header("Cookie", "switchboard-admin=forged").GET().build());
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void the_status_json_shows_endpoints_presence_views_and_their_states_pools_recovery_and_persistence() throws Exception {
        HttpResponse<String> response = get("/api/status", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.at("/platform/applicationPool").asText()).isEqualTo("default");
        assertThat(status.get("endpoints").findValuesAsText("aor")).contains("sip:monitor@example.com", "sip:echo@example.com");
        JsonNode view = status.at("/presenceViews/0");
        assertThat(view.get("owner").asText()).isEqualTo("monitor");
        assertThat(view.at("/targets/0/target").asText()).isEqualTo("sip:bob@example.com");
        assertThat(view.at("/targets/0/state").asText()).isIn("SUBSCRIBING", "WAITING_FOR_RETRY");
        assertThat(status.at("/pools/frontEndPool").asText()).isEqualTo("fe");
        assertThat(status.at("/pools/frontEndPools/0/name").asText()).isEqualTo("fe");
        assertThat(status.at("/recovery/started").asBoolean()).isTrue();
        assertThat(status.at("/persistence/breaker").asText()).isEqualTo("CLOSED");
        assertThat(status.get("registrations").isArray()).isTrue(); // no endpoint registers in this test
        assertThat(status.get("registrations")).isEmpty();
        assertThat(status.at("/xmpp/state").asText()).isEqualTo("not configured");
    }

    @Test
    void presence_by_presentity_comes_from_the_presence_store() throws Exception {
        HttpResponse<String> response = get("/api/presence?presentity=sip:bob@example.com", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode presence = JSON.readTree(response.body());
        assertThat(presence.get("presentity").asText()).isEqualTo("sip:bob@example.com");
        assertThat(presence.get("updates").isArray()).isTrue();
        assertThat(get("/api/presence?presentity=bob", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).statusCode()).isEqualTo(400);
    }

    @Test
    void a_write_without_the_csrf_token_is_refused() throws Exception {
        AdminLogin.Session session = AdminLogin.logIn(server);
        assertThat(post("/api/presence-views/refresh-all", session, null, self()).statusCode()).isEqualTo(403);
        assertThat(post("/api/presence-views/refresh-all", session, "not-the-token", self()).statusCode()).isEqualTo(403);
    }

    @Test
    void a_write_from_a_foreign_origin_is_refused_even_with_the_token() throws Exception {
        AdminLogin.Session session = AdminLogin.logIn(server);
        HttpResponse<String> response = post("/api/presence-views/refresh-all", session, session.csrfToken(), "http://evil.example");
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("Cross-site");
    }

    @Test
    void a_write_with_basic_credentials_alone_is_refused() throws Exception {
        HttpResponse<String> response = AdminLogin.send(AdminLogin.request(server.http("/api/presence-views/refresh-all"))
                .header("Authorization", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void a_logged_in_write_with_its_token_refreshes_every_presence_view() throws Exception {
        String state = "";
        for (int i = 0; i < 100 && !state.equals("WAITING_FOR_RETRY"); i++) {
            Thread.sleep(100);
            state = JSON.readTree(get("/api/presence-views", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).body())
                    .at("/0/targets/0/state").asText();
        }
        assertThat(state).as("the first SUBSCRIBE failed and waits for its retry").isEqualTo("WAITING_FOR_RETRY");
        AdminLogin.Session session = AdminLogin.logIn(server);
        HttpResponse<String> response = post("/api/presence-views/refresh-all", session, session.csrfToken(), self());
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(response.body()).get("queued").asInt()).isEqualTo(1);
        String log = "";
        for (int i = 0; i < 50 && !log.contains("(forced refresh)"); i++) {
            Thread.sleep(100);
            log = server.stdout() + server.stderr();
        }
        assertThat(log).contains("Status page: forced refresh of all presence views (1 targets, paced)")
                .contains("sip:bob@example.com: WAITING_FOR_RETRY -> SUBSCRIBING (forced refresh)");
    }

    @Test
    void recover_now_answers_the_recovery_progress() throws Exception {
        AdminLogin.Session session = AdminLogin.logIn(server);
        HttpResponse<String> response = post("/api/recovery/recover-now", session, session.csrfToken(), self());
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(response.body()).get("started").asBoolean()).isTrue();
    }

    @Test
    void after_logout_the_session_reads_nothing() throws Exception {
        AdminLogin.Session session = AdminLogin.logIn(server);
        HttpResponse<String> out = post("/logout", session, session.csrfToken(), self());
        assertThat(out.statusCode()).isEqualTo(204);
        HttpResponse<String> after = AdminLogin.send(AdminLogin.request(server.http("/api/status")).header("Cookie", session.cookie()).GET().build());
        assertThat(after.statusCode()).isEqualTo(401);
    }

    @Test
    void prometheus_text_has_the_named_metrics_and_they_move_with_traffic() throws Exception {
        String before = metrics();
        assertThat(before).contains("switchboard_dispatch_requests_total{outcome=\"delivered\",rule=\"to_aor\"}")
                .contains("switchboard_dispatch_rejections_total{code=\"404\"}")
                .contains("switchboard_presence_view_targets{state=\"waiting_for_retry\"}")
                .contains("switchboard_presence_updates_total{outcome=\"accepted\"}")
                .contains("switchboard_presence_updates_total{outcome=\"out_of_order\"}")
                .contains("switchboard_persistence_retries_total")
                .contains("switchboard_persistence_breaker_transitions_total")
                .contains("switchboard_persistence_resyncs_total")
                .contains("switchboard_persistence_breaker_state{state=\"closed\"} 1.0")
                .contains("switchboard_recovery_recovered");
        try (SipClient client = SipClient.udp()) {
            String echo = "sip:echo@example.com";
            for (int i = 0; i < 3; i++) {
                Request options = client.requestTo(Request.OPTIONS, echo, "alice", server.sipPort());
                assertThat(client.send(options, ANSWER).getStatusCode()).isEqualTo(200);
            }
            Request message = client.request(Request.MESSAGE, "sip:nobody@127.0.0.1:" + server.sipPort(), "alice");
            message.setContent("hello", client.headers().createContentTypeHeader("text", "plain"));
            assertThat(client.send(message, ANSWER).getStatusCode()).isEqualTo(404);
        }
        String after = metrics();
        String delivered = "switchboard_dispatch_requests_total{outcome=\"delivered\",rule=\"to_aor\"}";
        String rejected = "switchboard_dispatch_rejections_total{code=\"404\"}";
        assertThat(value(after, delivered) - value(before, delivered)).isEqualTo(3);
        assertThat(value(after, rejected) - value(before, rejected)).isEqualTo(1);
    }

    private static String metrics() throws Exception {
        HttpResponse<String> response = get("/api/metrics", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        return response.body();
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertThat(m.find()).as(series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void with_no_credentials_configured_everything_is_refused(@TempDir Path other) throws Exception {
        Files.createDirectories(other);
        try (RunningSwitchboard bare = RunningSwitchboard.in(other).configText("endpoints: []\n").start()) {
            for (String path : new String[] {"/api/status", "/api/health", "/api/metrics", "/status"}) {
                HttpResponse<String> response = AdminLogin.send(AdminLogin.request(bare.http(path))
                        .header("Authorization", AdminLogin.basic("admin", "admin")).GET().build());
                assertThat(response.statusCode()).as(path).isEqualTo(503);
                assertThat(response.body()).as(path).contains("not configured").contains("admin.password-hash");
            }
            assertThat(AdminLogin.postForm(bare, "admin", "admin").statusCode()).isEqualTo(503);
            assertThat(AdminLogin.send(AdminLogin.request(bare.http("/health")).GET().build()).statusCode())
                    .as("health stays open for load balancers").isEqualTo(200);
        }
    }
}
