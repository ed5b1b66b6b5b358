package org.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.switchboard.config.DatabaseSettings;
import org.switchboard.endpoint.Aor;
import org.switchboard.store.Database;
import org.switchboard.subscription.DialogData;
import org.switchboard.subscription.Direction;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.subscription.SubscriptionRepository;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.DebianPostgres;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.TestProsody;

/**
 * A takeover at scale: two instances in a pool on Debian's PostgreSQL, each with the same presence-monitor view of N
 * targets (default 10,000) at a JAIN-SIP presence server, and the XMPP bridge (a real Prosody) with M bridged
 * subscriptions (default 10,000: XMPP users following SIP users, written to the database before the start as the bridge
 * persists them; the member holding the bridge's lease recovers them and subscribes each from it). Once the pool has
 * settled (N/2 view-target leases each, every target and every bridged subscription subscribed), the member running the
 * bridge is killed with SIGKILL and the survivor's takeover is timed — until it holds every lease, until its bridge is
 * connected, and until every view target and every bridged subscription is subscribed again from it. Also the cost of
 * one member's renewal read (every lease row) at this size. Prints a Markdown section.
 */
public final class PoolTakeoverBenchmark {

    private static final int SUBSCRIBES_PER_SECOND = Integer.getInteger("bench.pool.pace", 1000);
    private static final String HEAP = "-Xmx2g";

    private PoolTakeoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int targets = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int bridged = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Path work = Files.createTempDirectory("bench-pool");
        try (DebianPostgres postgres = DebianPostgres.start();
             TestProsody prosody = TestProsody.start(work.resolve("prosody"));
             SipPresencePeer presenceServer = SipPresencePeer.udp()) {
            StringBuilder list = new StringBuilder();
            for (int i = 0; i < targets; i++) {
                list.append(i == 0 ? "" : ", ").append("\"sip:user").append(i).append("@example.com\"");
            }
            String config = AdminLogin.configSection() + """
                    storage:
                      database: {url: "%s", username: %s}
                    pool: {enabled: true}
                    topology:
                      front-end-pool: fe
                      front-end-pools:
                        - {name: fe, next-hop: "%s"}
                    presence:
                      views: {bulk-subscribes-per-second: %d}
                    persistence: {enabled: true}
                    endpoints:
                      - aor: sip:monitor@example.com
                        bean: presence-monitor
                        settings:
                          targets: [%s]
                    """.formatted(postgres.url(), postgres.user(), presenceServer.nextHop(), SUBSCRIBES_PER_SECOND, list)
                    + prosody.bridgeSection("example.com", "xmpp.example.com");
            seedBridgedSubscriptions(postgres, work.resolve("seed"), bridged, prosody.xmppDomain());
            long launched = System.nanoTime();
            try (RunningSwitchboard a = RunningSwitchboard.in(work.resolve("a")).jvmOption(HEAP).configText(config).start();
                 RunningSwitchboard b = RunningSwitchboard.in(work.resolve("b")).jvmOption(HEAP).configText(config).start()) {
                String idA = Health.detail(a).get("instanceId").asText();
                // Bounded: ten minutes to settle.
                double settled = awaitSeconds(launched, 600, () -> {
                    Map<String, Long> held = leasesHeld(postgres, "VIEW_TARGET");
                    return held.size() == 2 && held.values().stream().allMatch(n -> n == targets / 2)
                            && leasesHeld(postgres, "BRIDGE").size() == 1
                            && subscribed(a) + subscribed(b) == targets + bridged;
                });
                double readMillis = renewalReadMillis(postgres);
                boolean bridgeOnA = leasesHeld(postgres, "BRIDGE").containsKey(idA);
                RunningSwitchboard killed = bridgeOnA ? a : b;
                RunningSwitchboard survivor = bridgeOnA ? b : a;
                String survivorId = Health.detail(survivor).get("instanceId").asText();
                long killedAt = System.nanoTime();
                killed.kill();
                // one poll for the three, so that each is timed from the kill on its own
                double[] after = awaitEach(killedAt, 600,
                        () -> leasesHeld(postgres, "VIEW_TARGET").getOrDefault(survivorId, 0L) == targets
                                && leasesHeld(postgres, "BRIDGE").containsKey(survivorId),
                        () -> "CONNECTED".equals(Health.detail(survivor).path("bridge").path("state").asText()),
                        () -> subscribed(survivor) == targets + bridged);
                double leasesAfter = after[0];
                double bridgeAfter = after[1];
                double subscribedAfter = after[2];
                JsonNode pool = Health.detail(survivor).get("pool");
                System.out.printf(Locale.ROOT, "| view targets | bridged subscriptions | pool settled after start (s) | every lease held by the survivor "
                        + "after SIGKILL (s) | its bridge connected after (s) | all %,d re-subscribed from it after (s) | takeovers counted "
                        + "| one renewal's read of %,d lease rows (ms) |%n"
                        + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%n"
                        + "| %,d | %,d | %.1f | %.1f | %.1f | %.1f | %,d | %.1f |%n%n", targets + bridged, targets + 1, targets, bridged, settled,
                        leasesAfter, bridgeAfter, subscribedAfter, pool.get("takeovers").asLong(), readMillis);
                System.out.printf(Locale.ROOT, "Two instances (%s each), PostgreSQL 15 and Prosody on this machine, the presence server a JAIN-SIP "
                        + "peer in the benchmark's JVM; the member running the bridge is the one killed. Pool defaults (lease 10 s, renewal "
                        + "3 s, clock skew 1 s, 2,000 claims per renewal); SUBSCRIBEs paced at %,d/s per instance "
                        + "(`presence.views.bulk-subscribes-per-second`); bridged subscriptions recovered in the default batches "
                        + "(`persistence.recovery-batch-size` 5,000 every second). The bridged subscriptions are written to the "
                        + "database before the start as the bridge writes them (XMPP user `xN` following `sip:bN@example.com`).%n%n",
                        HEAP, SUBSCRIBES_PER_SECOND);
            }
        }
        System.out.flush();
        // JAIN-SIP leaves its non-daemon event scanner threads behind after the SIP peer's stacks are stopped.
        System.exit(0);
    }

    /** Writes {@code count} active outgoing bridged subscriptions (XMPP user following SIP user) as the bridge does. */
    private static void seedBridgedSubscriptions(DebianPostgres postgres, Path dataDir, int count, String xmppDomain) {
        Database database = Database.open(new DatabaseSettings(postgres.url(), postgres.user(), "", 4, 5), dataDir);
        try {
            SubscriptionRepository repository = database.subscriptionRepository();
            Instant now = Instant.now();
            for (int i = 0; i < count; i++) {
                repository.upsert(new SubscriptionRecord(UUID.randomUUID().toString(), Direction.OUTGOING_SIP, Aor.parse("sip:b" + i + "@example.com"),
                        "x" + i + "@" + xmppDomain, SubscriptionRecord.RecordState.ACTIVE, now, Optional.empty(), DialogData.none(), 0));
            }
        } finally {
            database.close();
        }
    }

    private interface Check {
        boolean done() throws Exception;
    }

    /** Seconds from {@code since} until {@code check} holds, polling every 200 ms, at most {@code limitSeconds}. */
    private static double awaitSeconds(long since, int limitSeconds, Check check) throws Exception {
        for (int i = 0; i < limitSeconds * 5; i++) {
            if (check.done()) {
                return (System.nanoTime() - since) / 1e9;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("not done within " + limitSeconds + " s");
    }

    /** Seconds from {@code since} until each check first holds, polling all every 200 ms, at most {@code limitSeconds}. */
    private static double[] awaitEach(long since, int limitSeconds, Check... checks) throws Exception {
        double[] seconds = new double[checks.length];
        java.util.Arrays.fill(seconds, -1);
        for (int i = 0; i < limitSeconds * 5; i++) {
            boolean all = true;
            for (int c = 0; c < checks.length; c++) {
                if (seconds[c] < 0 && checks[c].done()) {
                    seconds[c] = (System.nanoTime() - since) / 1e9;
                }
                all &= seconds[c] >= 0;
            }
            if (all) {
                return seconds;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("not done within " + limitSeconds + " s: " + java.util.Arrays.toString(seconds));
    }

    private static long subscribed(RunningSwitchboard server) throws Exception {
        return Health.detail(server).path("presenceViews").path("SUBSCRIBED").asLong();
    }

    private static Map<String, Long> leasesHeld(DebianPostgres postgres, String kind) throws Exception {
        Map<String, Long> held = new HashMap<>();
        try (Connection c = connect(postgres); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT owner_id, count(*) FROM pool_lease WHERE owner_id IS NOT NULL AND kind = '" + kind
                     + "' GROUP BY owner_id")) {
            while (rs.next()) {
                held.put(rs.getString(1), rs.getLong(2));
            }
        }
        return held;
    }

    /** The median of 21 reads of every lease row, as each member does at each renewal. */
    private static double renewalReadMillis(DebianPostgres postgres) throws Exception {
        double[] millis = new double[21];
        try (Connection c = connect(postgres); Statement s = c.createStatement()) {
            for (int i = 0; i < millis.length; i++) {
                long start = System.nanoTime();
                int rows = 0;
                try (ResultSet rs = s.executeQuery("SELECT kind, item_key, owner_id, epoch FROM pool_lease")) {
                    while (rs.next()) {
                        rows++;
                    }
                }
                millis[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        java.util.Arrays.sort(millis);
        return millis[millis.length / 2];
    }

    private static Connection connect(DebianPostgres postgres) throws Exception {
        return DriverManager.getConnection(postgres.url(), postgres.user(), "");
    }
}
