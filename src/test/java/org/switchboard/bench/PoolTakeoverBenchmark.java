package org.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.DebianPostgres;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;

/**
 * A takeover at scale: two instances in a pool on Debian's PostgreSQL, each with the same presence-monitor view of N
 * targets (default 10,000) at a JAIN-SIP presence server; once the pool has settled (N/2 leases each, every target
 * subscribed), one instance is killed with SIGKILL and the survivor's takeover is timed — until it holds every lease,
 * and until every target is subscribed again from it. Also the cost of one member's renewal read (every lease row) at
 * this size. Prints a Markdown section.
 */
public final class PoolTakeoverBenchmark {

    private static final int SUBSCRIBES_PER_SECOND = Integer.getInteger("bench.pool.pace", 1000);
    private static final String HEAP = "-Xmx2g";

    private PoolTakeoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int targets = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Path work = Files.createTempDirectory("bench-pool");
        try (DebianPostgres postgres = DebianPostgres.start();
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
                    endpoints:
                      - aor: sip:monitor@example.com
                        bean: presence-monitor
                        settings:
                          targets: [%s]
                    """.formatted(postgres.url(), postgres.user(), presenceServer.nextHop(), SUBSCRIBES_PER_SECOND, list);
            long launched = System.nanoTime();
            try (RunningSwitchboard a = RunningSwitchboard.in(work.resolve("a")).jvmOption(HEAP).configText(config).start();
                 RunningSwitchboard b = RunningSwitchboard.in(work.resolve("b")).jvmOption(HEAP).configText(config).start()) {
                String survivor = Health.detail(b).get("instanceId").asText();
                // Bounded: ten minutes to settle.
                double settled = awaitSeconds(launched, 600, () -> {
                    Map<String, Long> held = leasesHeld(postgres);
                    return held.size() == 2 && held.values().stream().allMatch(n -> n == targets / 2)
                            && subscribed(a) + subscribed(b) == targets;
                });
                double readMillis = renewalReadMillis(postgres);
                long killed = System.nanoTime();
                a.kill();
                double leasesAfter = awaitSeconds(killed, 300, () -> leasesHeld(postgres).getOrDefault(survivor, 0L) == targets);
                double subscribedAfter = awaitSeconds(killed, 600, () -> subscribed(b) == targets);
                JsonNode pool = Health.detail(b).get("pool");
                System.out.printf(Locale.ROOT, "| view targets | pool settled after start (s) | leases held by the survivor after SIGKILL (s) "
                        + "| all re-subscribed from it after (s) | takeovers counted | one renewal's read of %,d lease rows (ms) |%n"
                        + "| ---: | ---: | ---: | ---: | ---: | ---: |%n"
                        + "| %,d | %.1f | %.1f | %.1f | %,d | %.1f |%n%n", targets, targets, settled, leasesAfter, subscribedAfter,
                        pool.get("takeovers").asLong(), readMillis);
                System.out.printf(Locale.ROOT, "Two instances (%s each) and PostgreSQL 15 on this machine, the presence server a JAIN-SIP peer "
                        + "in the benchmark's JVM; pool defaults (lease 10 s, renewal 3 s, clock skew 1 s, 2,000 claims per renewal); "
                        + "SUBSCRIBEs paced at %,d/s per instance (`presence.views.bulk-subscribes-per-second`).%n%n", HEAP, SUBSCRIBES_PER_SECOND);
            }
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

    private static long subscribed(RunningSwitchboard server) throws Exception {
        return Health.detail(server).path("presenceViews").path("SUBSCRIBED").asLong();
    }

    private static Map<String, Long> leasesHeld(DebianPostgres postgres) throws Exception {
        Map<String, Long> held = new HashMap<>();
        try (Connection c = connect(postgres); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT owner_id, count(*) FROM pool_lease WHERE owner_id IS NOT NULL GROUP BY owner_id")) {
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
