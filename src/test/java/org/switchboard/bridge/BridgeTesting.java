package org.switchboard.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.sql.DataSource;
import javax.xml.parsers.DocumentBuilderFactory;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.TestPostgres;
import org.switchboard.testing.TestProsody;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * What the bridge tests share: the configuration of a runner bridged to a {@link TestProsody}, with the SIP
 * users' presence server behind the Front End next hop and the subscription records in a {@link TestPostgres}
 * (so rows can be read while the runner runs); the health JSON; the rows; PIDF bodies read by namespace.
 */
final class BridgeTesting {

    /** SIP users' domain: sip:bob@example.com is bob@sip.xmpp.example.test to XMPP users. */
    static final String SIP_DOMAIN = "example.com";
    /** XMPP users' domain for SIP users: alice@xmpp.example.test is sip:alice@xmpp.example.com. */
    static final String XMPP_USERS_SIP_DOMAIN = "xmpp.example.com";

    static final String PIDF_NS = "urn:ietf:params:xml:ns:pidf";
    static final String RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid";
    static final String DATA_MODEL_NS = "urn:ietf:params:xml:ns:pidf:data-model";

    private static final ObjectMapper JSON = new ObjectMapper();

    private BridgeTesting() {
    }

    /** The bridge configuration; {@code secret} may differ from Prosody's on purpose. */
    record Settings(String secret, int cooldownSeconds, int recoveryBatchSize, int recoveryBatchIntervalSeconds) {

        static Settings of(TestProsody prosody) {
            return new Settings(prosody.componentSecret(), 300, 5000, 1);
        }

        Settings secret(String value) {
            return new Settings(value, cooldownSeconds, recoveryBatchSize, recoveryBatchIntervalSeconds);
        }

        Settings cooldownSeconds(int value) {
            return new Settings(secret, value, recoveryBatchSize, recoveryBatchIntervalSeconds);
        }

        Settings recovery(int batchSize, int intervalSeconds) {
            return new Settings(secret, cooldownSeconds, batchSize, intervalSeconds);
        }
    }

    static String config(TestProsody prosody, SipPresencePeer sipPeer, TestPostgres postgres, Settings settings) {
        return """
                storage:
                  database:
                    url: "%s"
                    username: postgres
                    password: ""
                """.formatted(postgres.url()) + configWithEmbeddedDatabase(prosody, sipPeer, settings);
    }

    /** The bridge configuration with the records in the runner's own H2 file (no storage section). */
    static String configWithEmbeddedDatabase(TestProsody prosody, SipPresencePeer sipPeer, Settings settings) {
        return """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "%s"
                      users: []
                persistence:
                  enabled: true
                  recovery-batch-size: %d
                  recovery-batch-interval-seconds: %d
                bridge:
                  enabled: true
                  xmpp-host: 127.0.0.1
                  xmpp-port: %d
                  component-domain: %s
                  component-secret: "%s"
                  xmpp-domain: %s
                  sip-domain: %s
                  xmpp-users-sip-domain: %s
                  cooldown-seconds: %d
                  reconnect-initial-seconds: 1
                  reconnect-max-seconds: 2
                  incoming-expires-seconds: 3600
                """.formatted(sipPeer.nextHop(), settings.recoveryBatchSize(), settings.recoveryBatchIntervalSeconds(),
                prosody.componentPort(), prosody.componentDomain(), settings.secret(), prosody.xmppDomain(), SIP_DOMAIN,
                XMPP_USERS_SIP_DOMAIN, settings.cooldownSeconds()) + AdminLogin.configSection();
    }

    // ----- addresses -----

    /** {@code bob} → {@code sip:bob@example.com}, a SIP user. */
    static String sipUser(String user) {
        return "sip:" + user + "@" + SIP_DOMAIN;
    }

    /** {@code bob} → {@code bob@sip.xmpp.example.test}, the SIP user as XMPP users see it. */
    static String sipUserAsJid(TestProsody prosody, String user) {
        return user + "@" + prosody.componentDomain();
    }

    /** {@code alice} → {@code sip:alice@xmpp.example.com}, the XMPP user as SIP users see it. */
    static String xmppUserAsSip(String user) {
        return "sip:" + user + "@" + XMPP_USERS_SIP_DOMAIN;
    }

    /** {@code alice} → {@code alice@xmpp.example.test}. */
    static String xmppUser(TestProsody prosody, String user) {
        return user + "@" + prosody.xmppDomain();
    }

    // ----- health -----

    /** The health detail ({@code GET /api/health}, with the test operator's login, which {@link #config} includes). */
    static JsonNode health(RunningSwitchboard server) throws Exception {
        return Health.detail(server);
    }

    static JsonNode health(DeployedSwitchboard server) throws Exception {
        return Health.detail(server.httpBaseUrl());
    }

    static String bridgeState(JsonNode health) {
        return health.path("bridge").path("state").asText("");
    }

    static JsonNode awaitHealth(RunningSwitchboard server, Predicate<JsonNode> condition, Duration timeout, String what) throws Exception {
        return awaitHealth(server.http(""), () -> {
            try {
                return server.stderr();
            } catch (java.io.IOException e) {
                return "(unreadable: " + e + ")";
            }
        }, condition, timeout, what);
    }

    static JsonNode awaitHealth(DeployedSwitchboard server, Predicate<JsonNode> condition, Duration timeout, String what) throws Exception {
        return awaitHealth(server.httpBaseUrl(), server::log, condition, timeout, what);
    }

    private static JsonNode awaitHealth(URI base, Supplier<String> log, Predicate<JsonNode> condition, Duration timeout, String what)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = Health.detail(base);
                if (condition.test(last)) {
                    return last;
                }
            } catch (java.io.IOException e) {
                // not answering yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("health never showed " + what + " within " + timeout + "; last: " + last + "\nstderr:\n" + log.get());
    }

    static JsonNode awaitBridgeState(RunningSwitchboard server, String state, Duration timeout) throws Exception {
        return awaitHealth(server, h -> state.equals(bridgeState(h)), timeout, "bridge.state " + state);
    }

    static JsonNode awaitBridgeState(DeployedSwitchboard server, String state, Duration timeout) throws Exception {
        return awaitHealth(server, h -> state.equals(bridgeState(h)), timeout, "bridge.state " + state);
    }

    // ----- rows -----

    record Row(String direction, String sipAor, String xmppJid, String state, Instant activatedAt, Instant lastRecoveredAt) {

        boolean is(String direction, String sipAorPart, String xmppJidBare) {
            return this.direction.equals(direction) && sipAor.contains(sipAorPart) && xmppJid.startsWith(xmppJidBare);
        }
    }

    static List<Row> rows(TestPostgres postgres) throws Exception {
        return rows(postgres.dataSource());
    }

    /** The rows of any database the runner used (PostgreSQL, or its H2 file while no runner holds it). */
    static List<Row> rows(DataSource source) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            // Before the runner migrated the schema there is no table, hence no rows (PostgreSQL folds names to
            // lower case, H2 to upper case).
            if (!hasTable(connection, "subscription_record") && !hasTable(connection, "SUBSCRIPTION_RECORD")) {
                return rows;
            }
            try (ResultSet result = statement.executeQuery(
                    "SELECT direction, sip_aor, xmpp_jid, state, activated_at, last_recovered_at FROM subscription_record")) {
                while (result.next()) {
                    rows.add(new Row(result.getString(1), result.getString(2), result.getString(3), result.getString(4),
                            instant(result.getTimestamp(5)), instant(result.getTimestamp(6))));
                }
            }
        }
        return rows;
    }

    private static boolean hasTable(Connection connection, String name) throws java.sql.SQLException {
        try (ResultSet tables = connection.getMetaData().getTables(null, null, name, null)) {
            return tables.next();
        }
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    static List<Row> awaitRows(TestPostgres postgres, Predicate<List<Row>> condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Row> last = List.of();
        while (System.nanoTime() < deadline) {
            last = rows(postgres);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the subscription_record rows never showed " + what + " within " + timeout + "; rows: " + last);
    }

    // ----- PIDF -----

    static Document parse(String body) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("not a well-formed presence document: " + e.getMessage() + "\n" + body, e);
        }
    }

    /** The text of every {@code <basic>} of the PIDF body. */
    static List<String> basics(String body) {
        return texts(parse(body).getElementsByTagNameNS(PIDF_NS, "basic"));
    }

    /** Whether the PIDF body carries the RPID activity {@code activity} (e.g. {@code busy}, {@code away}). */
    static boolean hasActivity(String body, String activity) {
        return parse(body).getElementsByTagNameNS(RPID_NS, activity).getLength() > 0;
    }

    /** The text of every note of the body, PIDF's or the data model's. */
    static List<String> notes(String body) {
        Document document = parse(body);
        List<String> notes = new ArrayList<>(texts(document.getElementsByTagNameNS(PIDF_NS, "note")));
        notes.addAll(texts(document.getElementsByTagNameNS(DATA_MODEL_NS, "note")));
        return notes;
    }

    private static List<String> texts(NodeList nodes) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            texts.add(nodes.item(i).getTextContent().trim());
        }
        return texts;
    }

    /** A NOTIFY body with basic {@code basic}, the given RPID activity and the note. */
    static Predicate<SipPresencePeer.ReceivedNotify> carries(String basic, String activity, String note) {
        return n -> n.body() != null && !n.body().isBlank() && basics(n.body()).contains(basic)
                && (activity == null || hasActivity(n.body(), activity)) && (note == null || notes(n.body()).contains(note));
    }
}
