package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.admin.auth.PasswordHash;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.TestCertificates;

/**
 * The web console's HTTP surface in the running server (hawtio and its Jolokia agent at /hawtio, as deploy/run starts
 * them): who gets in, what the access policy lets through, that no secret can be read through it, and that a burst
 * of wrong logins neither burns the CPU nor slows SIP. The operator's password is hashed with the production
 * iteration count here, so that checking it costs what it costs in production.
 */
class ConsoleIT {

    private static final String DATABASE_PASSWORD = "db-secret-7c2e";
    private static final String BRIDGE_SECRET = "bridge-secret-91ab";
    private static final String CONFIGURATION = "org.switchboard:type=Configuration,context=\"/switchboard\"";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    private static RunningSwitchboard server;
    private static String passwordHash;
    private static Path configFile;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates certificates = TestCertificates.in(work.resolve("certificates"));
        Path keystore = certificates.server("switchboard");
        passwordHash = PasswordHash.of(AdminLogin.PASSWORD.toCharArray(), PasswordHash.DEFAULT_ITERATIONS).encoded();
        server = RunningSwitchboard.in(work).console().configText("""
                server:
                  sip-transports: [udp, tcp, tls]
                  sip-tls-port: %d
                  tls: {keystore: "%s", keystore-password: %s, truststore: "%s", truststore-password: %s}
                storage:
                  database: {url: "jdbc:h2:file:%s", username: sb, password: "%s"}
                bridge:
                  component-secret: "%s"
                admin:
                  username: %s
                  password-hash: "%s"
                endpoints:
                  - aor: sip:echo@example.com
                    bean: echo
                """.formatted(FreePorts.udpAndTcp(), keystore, TestCertificates.PASSWORD, certificates.truststore(),
                TestCertificates.PASSWORD, work.resolve("db/switchboard"), DATABASE_PASSWORD, BRIDGE_SECRET, AdminLogin.USER,
                passwordHash)).start();
        configFile = work.resolve("switchboard.yaml");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void the_ready_output_names_the_console() throws Exception {
        assertThat(server.stdout()).contains("Switchboard console: http://127.0.0.1:" + server.httpPort() + "/hawtio/");
    }

    @Test
    void without_a_login_a_browser_is_sent_to_the_login_form_and_a_script_is_refused() throws Exception {
        HttpResponse<String> page = AdminLogin.send(AdminLogin.request(console("/hawtio/")).header("Accept", "text/html").GET().build());
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location")).hasValue("/switchboard/status?next=console");

        for (String path : List.of("/hawtio/jolokia/version", "/hawtio/index.html", "/hawtio/js/", "/hawtio/proxy/http/example.com/")) {
            HttpResponse<String> refused = AdminLogin.send(AdminLogin.request(console(path)).GET().build());
            assertThat(refused.statusCode()).as(path).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).as(path).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
            assertThat(refused.body()).as(path).doesNotContain("jolokia\":").contains("Log in first");
        }
    }

    @Test
    void a_wrong_password_is_refused_and_the_right_one_lets_jolokia_answer() throws Exception {
        HttpResponse<String> wrong = jolokiaGet("/version", AdminLogin.basic(AdminLogin.USER, "not the password"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("Wrong username or password");

        JsonNode version = JSON.readTree(jolokiaGet("/version", operator()).body());
        assertThat(version.path("status").asInt()).isEqualTo(200);
        assertThat(version.path("value").path("agent").asText()).startsWith("1.7.");
    }

    @Test
    void a_login_through_the_form_lets_the_browser_session_into_the_console() throws Exception {
        HttpResponse<String> login = AdminLogin.send(AdminLogin.request(server.http("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + AdminLogin.USER + "&password="
                        + AdminLogin.PASSWORD.replace(" ", "+") + "&next=console")).build());
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Location")).hasValue("/hawtio/");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("Path=/;").contains("HttpOnly").contains("SameSite=Strict");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        HttpResponse<String> page = AdminLogin.send(AdminLogin.request(console("/hawtio/")).header("Cookie", cookie).GET().build());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("hawtio");
        HttpResponse<String> script = AdminLogin.send(AdminLogin.request(console("/hawtio/jolokia/read/" + CONFIGURATION.replace("\"", "!%22").replace("/", "!/")
                + "/AdminUsername")).header("Cookie", cookie).GET().build());
        assertThat(JSON.readTree(script.body()).path("value").asText()).isEqualTo(AdminLogin.USER);
    }

    @Test
    void a_cross_site_request_is_refused_even_with_the_right_password() throws Exception {
        HttpResponse<String> refused = AdminLogin.send(AdminLogin.request(console("/hawtio/jolokia"))
                .header("Authorization", operator()).header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"version\"}")).build());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("Cross-site request refused");
    }

    @Test
    void a_change_through_jolokia_takes_effect_and_is_kept_and_a_bad_value_is_refused_with_its_key() throws Exception {
        JsonNode written = jolokiaPost(Map.of("type", "write", "mbean", CONFIGURATION, "attribute", "PresenceViewsRetryJitter", "value", 0.35));
        assertThat(written.path("status").asInt()).as(written.toString()).isEqualTo(200);
        assertThat(jolokiaPost(Map.of("type", "read", "mbean", CONFIGURATION, "attribute", "PresenceViewsRetryJitter")).path("value").asDouble())
                .isEqualTo(0.35);
        Path overlay = configFile.resolveSibling("switchboard.changes.yaml");
        assertThat(Files.readString(overlay)).contains("presence.views.retry-jitter: 0.35");

        JsonNode refused = jolokiaPost(Map.of("type", "write", "mbean", CONFIGURATION, "attribute", "PresenceViewsRetryJitter", "value", 3.0));
        assertThat(refused.path("status").asInt()).isEqualTo(400);
        // Jolokia answers with its own words; the log has the same one line as at start-up, naming the key.
        assertThat(server.stderr()).containsPattern("Configuration change refused: .*presence\\.views\\.retry-jitter");
        assertThat(Files.readString(overlay)).contains("presence.views.retry-jitter: 0.35").doesNotContain("3.0");
    }

    @Test
    void switchboards_operations_and_the_dispatchers_tunables_are_allowed() throws Exception {
        JsonNode endpoints = jolokiaPost(Map.of("type", "exec", "mbean", "org.switchboard:type=Platform,context=\"/switchboard\"", "operation", "listEndpoints"));
        assertThat(endpoints.path("status").asInt()).as(endpoints.toString()).isEqualTo(200);
        assertThat(endpoints.path("value").toString()).contains("sip:echo@example.com");

        JsonNode router = jolokiaPost(Map.of("type", "exec", "mbean", "Switchboard:type=SipApplicationDispatcher",
                "operation", "retrieveApplicationRouterConfigurationString"));
        assertThat(router.path("status").asInt()).as(router.toString()).isEqualTo(200);
        JsonNode t2 = jolokiaPost(Map.of("type", "read", "mbean", "Switchboard:type=SipApplicationDispatcher", "attribute", "T2Interval"));
        assertThat(t2.path("status").asInt()).as(t2.toString()).isEqualTo(200);
    }

    @Test
    void the_access_policy_refuses_the_jvms_diagnostics_its_command_line_and_the_containers_life_cycle() throws Exception {
        Path dump = work.resolve("heap.hprof");
        List<Map<String, Object>> forbidden = List.of(
                Map.of("type", "exec", "mbean", "com.sun.management:type=DiagnosticCommand", "operation", "vmFlags", "arguments", List.of(List.of("-all"))),
                Map.of("type", "exec", "mbean", "com.sun.management:type=HotSpotDiagnostic", "operation", "dumpHeap", "arguments", List.of(dump.toString(), true)),
                Map.of("type", "exec", "mbean", "com.sun.management:type=HotSpotDiagnostic", "operation", "setVMOption", "arguments", List.of("PrintConcurrentLocks", "true")),
                Map.of("type", "read", "mbean", "java.lang:type=Runtime", "attribute", "SystemProperties"),
                Map.of("type", "read", "mbean", "java.lang:type=Runtime", "attribute", "InputArguments"),
                Map.of("type", "exec", "mbean", "java.lang:type=Memory", "operation", "gc"),
                Map.of("type", "exec", "mbean", "Switchboard:type=SipApplicationDispatcher", "operation", "stop"),
                Map.of("type", "exec", "mbean", "Switchboard:type=MBeanFactory", "operation", "createStandardContext",
                        "arguments", List.of("Switchboard:type=Host,host=localhost", "/evil", work.toString())),
                Map.of("type", "write", "mbean", "Switchboard:type=SipApplicationDispatcher", "attribute", "GatherStatistics", "value", true));
        for (Map<String, Object> request : forbidden) {
            JsonNode answer = jolokiaPost(request);
            assertThat(answer.path("status").asInt()).as(request.toString()).isEqualTo(403);
            assertThat(answer.path("error").asText()).as(request.toString()).containsAnyOf("forbidden", "not allowed");
        }
        assertThat(dump).doesNotExist();
    }

    @Test
    void no_secret_can_be_read_through_jolokia_or_the_api() throws Exception {
        List<String> secrets = List.of(DATABASE_PASSWORD, BRIDGE_SECRET, passwordHash, AdminLogin.PASSWORD, TestCertificates.PASSWORD);
        List<String> readings = new ArrayList<>();
        readings.add(jolokiaGet("/read/*:*?ignoreErrors=true&maxDepth=7&maxCollectionSize=2000&maxObjects=100000", operator()).body());
        readings.add(jolokiaGet("/list?maxDepth=9", operator()).body());
        readings.add(jolokiaGet("/search/*:*", operator()).body());
        readings.add(jolokiaGet("/version", operator()).body());
        for (String path : List.of("/api/status", "/api/platform", "/api/endpoints", "/api/pools", "/api/persistence", "/api/xmpp", "/api/metrics", "/health")) {
            readings.add(AdminLogin.send(AdminLogin.request(server.http(path)).header("Authorization", operator()).GET().build()).body());
        }
        assertThat(readings.get(0)).as("the read of every MBean went through").contains("PresenceViewsRetryJitter").contains("HeapMemoryUsage");
        for (String reading : readings) {
            for (String secret : secrets) {
                assertThat(reading).doesNotContain(secret);
            }
        }
    }

    /**
     * 1,000 wrong logins at once from ten client addresses (127.0.0.2 to .11): each client has ten passwords checked,
     * the rest are refused with 429 without checking; meanwhile OPTIONS are answered as fast as before.
     */
    @Test
    void a_burst_of_a_thousand_wrong_logins_is_refused_and_sip_keeps_its_latency() throws Exception {
        try (SipClient sip = SipClient.udp()) {
            List<Long> before = optionsRoundTrips(sip, 100, new AtomicBoolean(true));

            int clients = 10;
            int perClient = 100;
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            AtomicBoolean bursting = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            long started = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                InetAddress from = InetAddress.getByName("127.0.0." + (2 + c));
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        statuses.computeIfAbsent(wrongLogin(from, i), s -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            List<Long> during = new ArrayList<>();
            Future<?> sampling = Executors.newSingleThreadExecutor().submit(() -> during.addAll(optionsRoundTrips(sip, 10_000, bursting)));
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            long burstMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            bursting.set(false);
            sampling.get(1, TimeUnit.MINUTES);
            pool.shutdown();

            long checked = statuses.getOrDefault(401, new AtomicInteger()).get();
            long throttled = statuses.getOrDefault(429, new AtomicInteger()).get();
            long busy = statuses.getOrDefault(503, new AtomicInteger()).get();
            System.out.printf("1000 wrong logins in %d ms: %s; OPTIONS p99 before %d ms, during %d ms (%d samples)%n", burstMillis, statuses,
                    percentile(before, 99), percentile(during, 99), during.size());
            assertThat(checked + throttled + busy).isEqualTo(clients * perClient);
            assertThat(checked).as("at most ten passwords checked per client").isLessThanOrEqualTo(clients * 10L);
            assertThat(throttled).as("the rest refused without a check").isGreaterThanOrEqualTo(clients * (perClient - 10L) - busy);
            assertThat(during).as("OPTIONS went on during the burst").hasSizeGreaterThan(10);
            long tolerance = Math.max(3 * percentile(before, 99), percentile(before, 99) + 400);
            assertThat(percentile(during, 99)).as("OPTIONS p99 during the burst (ms), tolerance " + tolerance).isLessThanOrEqualTo(tolerance);
        }
    }

    /** One wrong login over HTTP Basic from {@code from}; its status. A raw socket, as the JDK's client cannot pick its source address. */
    private static int wrongLogin(InetAddress from, int attempt) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /hawtio/jolokia/version HTTP/1.1\r\nHost: 127.0.0.1:" + server.httpPort() + "\r\nAuthorization: "
                    + AdminLogin.basic(AdminLogin.USER, "guess-" + attempt) + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    /** Round trips of OPTIONS one after another (ms), {@code max} of them or until {@code go} is false. */
    private static List<Long> optionsRoundTrips(SipClient sip, int max, AtomicBoolean go) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < max && go.get(); i++) {
            Request options = sip.requestTo(Request.OPTIONS, "sip:switchboard@127.0.0.1", "prober", server.sipPort());
            long t0 = System.nanoTime();
            assertThat(sip.send(options, Duration.ofSeconds(10)).getStatusCode()).isEqualTo(200);
            millis.add(Duration.ofNanos(System.nanoTime() - t0).toMillis());
            Thread.sleep(20);
        }
        return millis;
    }

    private static long percentile(List<Long> values, int p) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static String operator() {
        return AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD);
    }

    private static URI console(String path) {
        return URI.create("http://127.0.0.1:" + server.httpPort() + path);
    }

    private static HttpResponse<String> jolokiaGet(String path, String authorization) throws Exception {
        return AdminLogin.send(AdminLogin.request(console("/hawtio/jolokia" + path)).header("Authorization", authorization).GET().build());
    }

    private static JsonNode jolokiaPost(Map<String, Object> request) throws Exception {
        HttpResponse<String> response = AdminLogin.send(AdminLogin.request(console("/hawtio/jolokia"))
                .header("Authorization", operator()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
