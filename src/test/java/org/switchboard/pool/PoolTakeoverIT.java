package org.switchboard.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sip.header.ViaHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.store.Database;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;
import org.switchboard.testing.SippPeer;
import org.switchboard.testing.TestPostgres;

/**
 * Two real instances in a pool on one real PostgreSQL, each with the same presence view of ten targets at a JAIN-SIP
 * presence server and the same two registering user endpoints (a SIPp registrar): every target is subscribed and every
 * endpoint registered by exactly one of them (the lease table and the wire agree), and when one is killed with SIGKILL
 * the survivor takes its targets over in new dialogs, and its registrations, within the pool's bound. A trigger
 * keeps every change of a lease, so the test checks that no target ever passed from one live owner to another.
 */
class PoolTakeoverIT {

    private static final int TARGETS = 10;
    private static final List<String> USERS = List.of("alice", "bob");
    private static TestPostgres postgres;

    @TempDir
    Path work;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = TestPostgres.start();
        // the schema first (as the first instance would make it), then a trigger that keeps every change of a lease
        try (Database schema = Database.open(postgres.settings(2, 5), java.nio.file.Files.createTempDirectory("pool-schema"));
             Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE lease_history (kind VARCHAR(16), item_key VARCHAR(1024), owner_id VARCHAR(36), epoch BIGINT,"
                    + " changed_at TIMESTAMP WITH TIME ZONE, seen_at TIMESTAMP WITH TIME ZONE DEFAULT clock_timestamp())");
            s.execute("CREATE FUNCTION keep_lease_history() RETURNS trigger AS $$ BEGIN INSERT INTO lease_history"
                    + " (kind, item_key, owner_id, epoch, changed_at) VALUES (NEW.kind, NEW.item_key, NEW.owner_id, NEW.epoch,"
                    + " NEW.changed_at); RETURN NEW; END; $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER pool_lease_history AFTER INSERT OR UPDATE ON pool_lease FOR EACH ROW EXECUTE FUNCTION keep_lease_history()");
        }
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void every_target_is_subscribed_by_one_member_and_the_survivor_takes_a_killed_members_targets_over() throws Exception {
        try (SipPresencePeer presenceServer = SipPresencePeer.udp();
             SippPeer registrar = SippPeer.start(work, "registrar", "registrar-uas.xml", FreePorts.udpAndTcp())) {
            List<String> targets = IntStream.range(0, TARGETS).mapToObj(i -> "\"sip:user" + i + "@example.com\"").toList();
            String config = AdminLogin.configSection() + """
                    storage:
                      database: {url: "%s", username: postgres}
                    pool: {enabled: true, lease-seconds: 6, renew-seconds: 2, clock-skew-millis: 500}
                    registration: {enabled: true, servers: ["%s"], expires-seconds: 60}
                    topology:
                      front-end-pool: fe
                      front-end-pools:
                        - {name: fe, next-hop: "%s"}
                    endpoints:
                      - aor: sip:monitor@example.com
                        bean: presence-monitor
                        settings: {targets: %s}
                      - {aor: "sip:alice@example.com", kind: user, epid: desk, bean: echo, register: true}
                      - {aor: "sip:bob@example.com", kind: user, epid: desk, bean: echo, register: true}
                    """.formatted(postgres.url(), registrar.uri(), presenceServer.nextHop(), targets);
            try (RunningSwitchboard a = RunningSwitchboard.in(work.resolve("a")).configText(config).start();
                 RunningSwitchboard b = RunningSwitchboard.in(work.resolve("b")).configText(config).start()) {
                Map<String, String> idByPort = Map.of(String.valueOf(a.sipPort()), instanceId(a), String.valueOf(b.sipPort()), instanceId(b));

                Map<String, String> owners = awaitOwners("VIEW_TARGET", o -> o.size() == TARGETS, Duration.ofSeconds(30));
                awaitOwners("REGISTRATION", o -> o.size() == USERS.size(), Duration.ofSeconds(30));
                Map<String, Long> held = awaitLeaseCounts(c -> c.size() == 2 && c.values().stream().allMatch(n -> n == 6),
                        Duration.ofSeconds(30));
                assertThat(held).as("twelve leases, six each once the second member joined").hasSize(2);
                owners = awaitOwners("VIEW_TARGET", o -> o.size() == TARGETS, Duration.ofSeconds(5));
                awaitWireAgrees(presenceServer, idByPort, owners, Duration.ofSeconds(15));
                Map<String, String> registeredBy = awaitOwners("REGISTRATION", o -> o.size() == USERS.size(), Duration.ofSeconds(5));
                awaitRegistrationsFrom(registrar, idByPort, registeredBy, registeredBy.keySet(), 0, b, Duration.ofSeconds(30));

                int registersBefore = registrar.lines("REGISTER ").size();
                Instant killedAt = Instant.now();
                a.kill();
                String survivor = idByPort.get(String.valueOf(b.sipPort()));
                Map<String, String> after = awaitOwners("VIEW_TARGET", o -> o.size() == TARGETS && o.values().stream().allMatch(survivor::equals),
                        Duration.ofSeconds(30));
                Duration takeover = Duration.between(killedAt, Instant.now());
                assertThat(takeover).as("taken over within the bound (lease 6 s + skew + renewal)").isLessThan(Duration.ofSeconds(15));
                awaitWireAgrees(presenceServer, Map.of(String.valueOf(b.sipPort()), survivor), after, Duration.ofSeconds(15));
                Map<String, String> registeredAfter = awaitOwners("REGISTRATION",
                        o -> o.size() == USERS.size() && o.values().stream().allMatch(survivor::equals), Duration.ofSeconds(10));
                // the killed member's registrations are registered again from the survivor; the survivor's own need not be
                java.util.Set<String> takenOver = new java.util.HashSet<>(registeredBy.keySet());
                takenOver.removeIf(endpoint -> registeredBy.get(endpoint).equals(survivor));
                System.out.println("pool-takeover: registrations taken over from the killed member: " + takenOver);
                awaitRegistrationsFrom(registrar, Map.of(String.valueOf(b.sipPort()), survivor), registeredAfter, takenOver, registersBefore, b,
                        Duration.ofSeconds(15));
                JsonNode pool = Health.detail(b).get("pool");
                assertThat(pool.get("takeovers").asLong()).as("%s", pool).isEqualTo(6);
                assertThat(pool.get("leases").get("VIEW_TARGET").asInt()).isEqualTo(TARGETS);
                assertThat(pool.get("leases").get("REGISTRATION").asInt()).isEqualTo(USERS.size());
                assertNoTwoLiveOwners(killedAt);
                System.out.println("Takeover of 6 leases (view targets and a registration) after SIGKILL: " + takeover.toMillis() + " ms");
            }
        }
    }

    private static String instanceId(RunningSwitchboard server) throws Exception {
        return Health.detail(server).get("instanceId").asText();
    }

    /**
     * The owner of each lease of {@code kind}, once {@code condition} holds: by target for view targets ("monitor#1
     * sip:user3@example.com" → "sip:user3@example.com"), by endpoint name for registrations.
     */
    private static Map<String, String> awaitOwners(String kind, Predicate<Map<String, String>> condition, Duration timeout)
            throws Exception {
        Map<String, String> owners = Map.of();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            owners = new HashMap<>();
            for (String[] row : query("SELECT item_key, owner_id FROM pool_lease WHERE owner_id IS NOT NULL AND kind = '" + kind + "'")) {
                owners.put(row[0].substring(row[0].indexOf(' ') + 1), row[1]);
            }
            if (condition.test(owners)) {
                return owners;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the " + kind + " leases did not settle within " + timeout + ": " + owners);
    }

    /** Leases held per member, once {@code condition} holds. */
    private static Map<String, Long> awaitLeaseCounts(Predicate<Map<String, Long>> condition, Duration timeout) throws Exception {
        Map<String, Long> counts = Map.of();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            counts = query("SELECT owner_id FROM pool_lease WHERE owner_id IS NOT NULL").stream()
                    .collect(Collectors.groupingBy(row -> row[0], Collectors.counting()));
            if (condition.test(counts)) {
                return counts;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the leases were not shared as expected within " + timeout + ": " + counts);
    }

    private static List<String[]> query(String sql) throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                String[] row = new String[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = rs.getString(i + 1);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * Among the REGISTERs the registrar logged after the first {@code skip}, each endpoint of {@code mustRegister} has
     * one with a non-zero Expires, and every endpoint's newest such comes from the member that holds its lease:
     * endpoint "alice-desk" is user alice.
     */
    private static void awaitRegistrationsFrom(SippPeer registrar, Map<String, String> idByPort, Map<String, String> registeredBy,
            java.util.Set<String> mustRegister, int skip, RunningSwitchboard member, Duration timeout) throws Exception {
        Map<String, String> last = Map.of();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, String> newest = new HashMap<>();
            List<String> lines = registrar.lines("REGISTER ");
            for (String line : lines.subList(Math.min(skip, lines.size()), lines.size())) {
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("via=[0-9.]+:([0-9]+) to=sip:([a-z]+)@example\\.com .* expires=([0-9]+)").matcher(line);
                if (m.find() && !m.group(3).equals("0")) {
                    newest.put(m.group(2) + "-desk", idByPort.getOrDefault(m.group(1), "port " + m.group(1)));
                }
            }
            last = newest;
            boolean fromTheOwners = newest.entrySet().stream().allMatch(e -> e.getValue().equals(registeredBy.get(e.getKey())));
            if (fromTheOwners && newest.keySet().containsAll(mustRegister)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("REGISTERs after the first " + skip + " came from " + last + ", the leases say " + registeredBy
                + ", expected from " + mustRegister
                + "; " + registrar.describe() + "; registrations of " + member.sipPort() + ": " + Health.detail(member).get("registrations"));
    }

    /**
     * On the wire, each target's live subscription (the newest dialog opened with a non-zero Expires and not ended since)
     * comes from the instance the lease table names.
     */
    private static void awaitWireAgrees(SipPresencePeer peer, Map<String, String> idByPort, Map<String, String> owners, Duration timeout)
            throws InterruptedException {
        Map<String, String> live = Map.of();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            live = liveSubscriber(peer, idByPort);
            if (live.equals(owners)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the wire " + live + " does not agree with the leases " + owners);
    }

    /** By target: the instance (of those given) whose dialog is live, when exactly one is. */
    private static Map<String, String> liveSubscriber(SipPresencePeer peer, Map<String, String> idByPort) {
        Map<String, Map<String, ReceivedSubscribe>> lastByDialog = new HashMap<>();
        for (ReceivedSubscribe subscribe : peer.subscribes()) {
            lastByDialog.computeIfAbsent(subscribe.toUri(), t -> new HashMap<>()).put(subscribe.callId(), subscribe);
        }
        Map<String, String> live = new HashMap<>();
        lastByDialog.forEach((target, dialogs) -> {
            List<String> from = new ArrayList<>();
            for (ReceivedSubscribe last : dialogs.values()) {
                String port = String.valueOf(((ViaHeader) last.request().getHeader(ViaHeader.NAME)).getPort());
                if (last.expires() > 0 && idByPort.containsKey(port)) {
                    from.add(idByPort.get(port));
                }
            }
            if (from.size() == 1) {
                live.put(target, from.get(0));
            }
        });
        return live;
    }

    /**
     * From the trigger's history: a lease went from one owner straight to another only after the first was killed
     * (a takeover); every other change passed through "free" (a handover), and the epochs of a lease never repeat.
     */
    private static void assertNoTwoLiveOwners(Instant killedAt) throws Exception {
        Map<String, List<Object[]>> byKey = new HashMap<>();
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT kind || ' ' || item_key, owner_id, epoch, changed_at FROM lease_history ORDER BY seen_at")) {
            while (rs.next()) {
                byKey.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(new Object[] {rs.getString(2), rs.getLong(3), rs.getTimestamp(4)});
            }
        }
        assertThat(byKey).hasSize(TARGETS + USERS.size());
        int takeovers = 0;
        for (Map.Entry<String, List<Object[]>> entry : byKey.entrySet()) {
            List<Object[]> changes = entry.getValue();
            for (int i = 1; i < changes.size(); i++) {
                Object[] before = changes.get(i - 1);
                Object[] now = changes.get(i);
                assertThat((long) now[1]).as("epochs of %s", entry.getKey()).isEqualTo((long) before[1] + 1);
                if (before[0] != null && now[0] != null && !before[0].equals(now[0])) {
                    takeovers++;
                    assertThat(((Timestamp) now[2]).toInstant()).as("%s taken from a live owner", entry.getKey()).isAfter(killedAt);
                }
            }
        }
        assertThat(takeovers).isEqualTo(6);
    }
}
