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
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sip.header.ViaHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.store.Database;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;
import org.switchboard.testing.TestPostgres;

/**
 * Two real instances in a pool on one real PostgreSQL, each with the same presence view of ten targets at a JAIN-SIP
 * presence server: every target is subscribed by exactly one of them (the lease table and the wire agree), and when
 * one is killed with SIGKILL the survivor takes its targets over in new dialogs within the pool's bound. A trigger
 * keeps every change of a lease, so the test checks that no target ever passed from one live owner to another.
 */
class PoolTakeoverIT {

    private static final int TARGETS = 10;
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
        try (SipPresencePeer presenceServer = SipPresencePeer.udp()) {
            List<String> targets = IntStream.range(0, TARGETS).mapToObj(i -> "\"sip:user" + i + "@example.com\"").toList();
            String config = AdminLogin.configSection() + """
                    storage:
                      database: {url: "%s", username: postgres}
                    pool: {enabled: true, lease-seconds: 6, renew-seconds: 2, clock-skew-millis: 500}
                    topology:
                      front-end-pool: fe
                      front-end-pools:
                        - {name: fe, next-hop: "%s"}
                    endpoints:
                      - aor: sip:monitor@example.com
                        bean: presence-monitor
                        settings: {targets: %s}
                    """.formatted(postgres.url(), presenceServer.nextHop(), targets);
            try (RunningSwitchboard a = RunningSwitchboard.in(work.resolve("a")).configText(config).start();
                 RunningSwitchboard b = RunningSwitchboard.in(work.resolve("b")).configText(config).start()) {
                Map<String, String> idByPort = Map.of(String.valueOf(a.sipPort()), instanceId(a), String.valueOf(b.sipPort()), instanceId(b));

                Map<String, String> owners = awaitOwners(o -> o.size() == TARGETS && o.values().stream().distinct().count() == 2,
                        Duration.ofSeconds(30));
                assertThat(owners.values().stream().collect(Collectors.groupingBy(o -> o, Collectors.counting())).values())
                        .as("five targets each once the second member joined").containsOnly(5L);
                awaitWireAgrees(presenceServer, idByPort, owners, Duration.ofSeconds(15));

                Instant killedAt = Instant.now();
                a.kill();
                String survivor = idByPort.get(String.valueOf(b.sipPort()));
                Map<String, String> after = awaitOwners(o -> o.size() == TARGETS && o.values().stream().allMatch(survivor::equals),
                        Duration.ofSeconds(30));
                Duration takeover = Duration.between(killedAt, Instant.now());
                assertThat(takeover).as("taken over within the bound (lease 6 s + skew + renewal)").isLessThan(Duration.ofSeconds(15));
                awaitWireAgrees(presenceServer, Map.of(String.valueOf(b.sipPort()), survivor), after, Duration.ofSeconds(15));
                JsonNode pool = Health.detail(b).get("pool");
                assertThat(pool.get("takeovers").asLong()).isEqualTo(5);
                assertThat(pool.get("leases").get("VIEW_TARGET").asInt()).isEqualTo(TARGETS);
                assertNoTwoLiveOwners(killedAt);
                System.out.println("Takeover of 5 view targets after SIGKILL: " + takeover.toMillis() + " ms");
            }
        }
    }

    private static String instanceId(RunningSwitchboard server) throws Exception {
        return Health.detail(server).get("instanceId").asText();
    }

    /** The owner of each view target's lease, by target, once {@code condition} holds. */
    private static Map<String, String> awaitOwners(java.util.function.Predicate<Map<String, String>> condition, Duration timeout)
            throws Exception {
        Map<String, String> owners = Map.of();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            owners = owners();
            if (condition.test(owners)) {
                return owners;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the leases did not settle within " + timeout + ": " + owners);
    }

    private static Map<String, String> owners() throws Exception {
        Map<String, String> owners = new HashMap<>();
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT item_key, owner_id FROM pool_lease WHERE kind = 'VIEW_TARGET' AND owner_id IS NOT NULL")) {
            while (rs.next()) {
                owners.put(target(rs.getString(1)), rs.getString(2));
            }
        }
        return owners;
    }

    /** "monitor#1 sip:user3@example.com" → "sip:user3@example.com". */
    private static String target(String itemKey) {
        return itemKey.substring(itemKey.indexOf(' ') + 1);
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
        assertThat(byKey).hasSize(TARGETS);
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
        assertThat(takeovers).isEqualTo(5);
    }
}
