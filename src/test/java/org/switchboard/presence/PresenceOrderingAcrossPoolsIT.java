package org.switchboard.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.endpoint.Aor;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Archives;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.TestPostgres;

/**
 * Two instances of the real archive, configured as two application pools, share one real PostgreSQL
 * and receive the same updates in different shuffled orders at the same time. Afterwards every
 * presentity holds its newest publish time, and no listener on either instance saw one go backwards.
 */
class PresenceOrderingAcrossPoolsIT {

    private static final int PRESENTITIES = 60;
    private static final int VERSIONS = 20;
    private static final int SENDERS_PER_INSTANCE = 4;
    private static final Instant BASE = Instant.parse("2026-11-21T09:00:00Z");

    @TempDir
    Path work;

    @Test
    void two_pools_sharing_postgresql_never_move_a_presentity_backwards() throws Exception {
        List<Notify> updates = updates();
        Map<String, PresenceStamp> newest = new HashMap<>();
        for (Notify n : updates) {
            newest.merge(n.presentity(), n.stamp(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        assertThat(updates).hasSizeGreaterThanOrEqualTo(1000);
        assertThat(newest).hasSizeGreaterThanOrEqualTo(50);

        byte[] jar = Archives.jar(work.resolve("feed.jar"), Archives.beanJarEntries("org/switchboard/testing/presencebeans"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-with-feed.war"), Map.of("presence-feed.jar", jar));

        try (TestPostgres postgres = TestPostgres.start()) {
            String url = postgres.url();
            Path logA = work.resolve("seen-pool-a.log");
            Path logB = work.resolve("seen-pool-b.log");
            try (RunningSwitchboard a = instance("pool-a", url, logA, war).launch();
                 RunningSwitchboard b = instance("pool-b", url, logB, war).launch()) {
                a.awaitReady();
                b.awaitReady();
                recordEveryMove(postgres);

                ExecutorService senders = Executors.newFixedThreadPool(2 * SENDERS_PER_INSTANCE);
                try {
                    List<Future<Integer>> sent = new ArrayList<>();
                    sent.addAll(sendShuffled(senders, a, updates, new Random(1)));
                    sent.addAll(sendShuffled(senders, b, updates, new Random(2)));
                    int ok = 0;
                    for (Future<Integer> f : sent) {
                        ok += f.get(5, TimeUnit.MINUTES);
                    }
                    assertThat(ok).as("NOTIFYs answered 200").isEqualTo(2 * updates.size());
                } finally {
                    senders.shutdownNow();
                }

                int moves = checkEveryMoveForward(postgres);
                System.out.printf("checked %d updates of stored rows: every one moved its presentity forward%n", moves);
                Map<String, PresenceStamp> stored = storedStamps(postgres);
                System.out.printf("compared %d presentities: stored publish time and digest against the newest sent%n", newest.size());
                assertThat(stored).isEqualTo(newest);

                for (Path log : List.of(logA, logB)) {
                    Map<String, PresenceStamp> last = checkNeverBackwards(log);
                    assertThat(last).as("the last update each listener saw, " + log.getFileName()).isEqualTo(newest);
                }
                assertThat(Files.readAllLines(logA).size() + Files.readAllLines(logB).size())
                        .as("updates delivered to listeners: the dropped ones never reach them")
                        .isLessThan(2 * updates.size());

                // A hostile body is refused; the instance goes on storing the next update.
                try (SipClient client = SipClient.udp()) {
                    Response refused = client.send(notify(client, a, "sip:user1@example.com", """
                            <?xml version="1.0"?>
                            <!DOCTYPE presence [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
                            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:user1@example.com"><note>&b;</note></presence>
                            """), Duration.ofSeconds(10));
                    assertThat(refused.getStatusCode()).isEqualTo(400);
                    Notify later = Notify.of("sip:user1@example.com", BASE.plusSeconds(3600), "open", "after the hostile one");
                    Response accepted = client.send(notify(client, a, later.presentity(), later.body()), Duration.ofSeconds(10));
                    assertThat(accepted.getStatusCode()).isEqualTo(200);
                    assertThat(new String(accepted.getRawContent(), StandardCharsets.UTF_8)).isEqualTo("ACCEPTED");
                    assertThat(storedStamps(postgres)).containsEntry(later.presentity(), later.stamp());
                }

                JsonNode countsA = presenceCounts(a);
                JsonNode countsB = presenceCounts(b);
                System.out.printf("presence counts: pool-a %s, pool-b %s%n", countsA, countsB);
                assertThat(countsA.get("refused").asLong()).isEqualTo(1);
                for (JsonNode counts : List.of(countsA, countsB)) {
                    assertThat(counts.get("storeFailures").asLong()).isZero();
                    assertThat(counts.get("outOfOrder").asLong() + counts.get("duplicates").asLong())
                            .as("dropped updates are counted").isPositive();
                }
            }
        }
    }

    private RunningSwitchboard.Launch instance(String pool, String url, Path log, Path war) throws Exception {
        return RunningSwitchboard.in(work.resolve(pool)).arg("--war", war.toString()).configText("""
                storage:
                  database:
                    url: "%s"
                    username: postgres
                topology:
                  application-pool: %s
                endpoints:
                  - aor: sip:feed@example.com
                    bean: presence-feed
                    settings: {log-file: "%s"}
                """.formatted(url, pool, log) + AdminLogin.configSection());
    }

    /** Each instance gets every update, in its own shuffled order, from several senders at once. */
    private static List<Future<Integer>> sendShuffled(ExecutorService senders, RunningSwitchboard server, List<Notify> updates,
            Random random) {
        List<Notify> order = new ArrayList<>(updates);
        Collections.shuffle(order, random);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int s = 0; s < SENDERS_PER_INSTANCE; s++) {
            List<Notify> share = new ArrayList<>();
            for (int i = s; i < order.size(); i += SENDERS_PER_INSTANCE) {
                share.add(order.get(i));
            }
            futures.add(senders.submit(() -> {
                int ok = 0;
                try (SipClient client = SipClient.udp()) {
                    for (Notify n : share) {
                        Response response = client.send(notify(client, server, n.presentity(), n.body()), Duration.ofSeconds(10));
                        if (response.getStatusCode() == 200) {
                            ok++;
                        }
                    }
                }
                return ok;
            }));
        }
        return futures;
    }

    /** A trigger in the shared database keeps every change of a stored row, old and new stamp. */
    private static void recordEveryMove(TestPostgres postgres) throws Exception {
        try (Connection c = postgres.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE presence_moves (presentity TEXT, old_time BIGINT, old_digest BIGINT, new_time BIGINT, new_digest BIGINT)");
            st.execute("""
                    CREATE FUNCTION record_presence_move() RETURNS trigger AS $$
                    BEGIN
                      INSERT INTO presence_moves VALUES (OLD.presentity, OLD.publish_time, OLD.digest, NEW.publish_time, NEW.digest);
                      RETURN NEW;
                    END $$ LANGUAGE plpgsql""");
            st.execute("CREATE TRIGGER presence_moves AFTER UPDATE ON presence_state FOR EACH ROW EXECUTE FUNCTION record_presence_move()");
        }
    }

    private static int checkEveryMoveForward(TestPostgres postgres) throws Exception {
        int moves = 0;
        try (Connection c = postgres.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT presentity, old_time, old_digest, new_time, new_digest FROM presence_moves")) {
            while (rs.next()) {
                moves++;
                PresenceStamp before = new PresenceStamp(new PublishTime(rs.getLong(2)), rs.getLong(3));
                PresenceStamp after = new PresenceStamp(new PublishTime(rs.getLong(4)), rs.getLong(5));
                assertThat(after).as("stored row of %s moved from %s to %s", rs.getString(1), before, after).isGreaterThan(before);
            }
        }
        assertThat(moves).as("stored rows updated after their first insert").isPositive();
        return moves;
    }

    /** The presence counts of an instance's health JSON. */
    private static JsonNode presenceCounts(RunningSwitchboard server) throws Exception {
        return Health.detail(server).get("presence");
    }

    /** A NOTIFY from {@code presentity} (as a presence server sends it) to the feed endpoint. */
    private static Request notify(SipClient client, RunningSwitchboard server, String presentity, String body) throws Exception {
        Request notify = client.requestTo(Request.NOTIFY, "sip:feed@example.com", "notifier", server.sipPort());
        notify.setHeader(client.headers().createFromHeader(client.addresses().createAddress(presentity),
                Long.toHexString(System.nanoTime())));
        client.withHeader(notify, "Event", "presence");
        client.withHeader(notify, "Subscription-State", "active;expires=3600");
        return client.withBody(notify, "application", "pidf+xml", body);
    }

    private static Map<String, PresenceStamp> storedStamps(TestPostgres postgres) throws Exception {
        Map<String, PresenceStamp> stored = new HashMap<>();
        Set<String> pools = new HashSet<>();
        try (Connection c = postgres.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT presentity, category, publish_time, digest, source_pool FROM presence_state")) {
            while (rs.next()) {
                assertThat(rs.getString(2)).isEqualTo("pidf");
                stored.put(rs.getString(1), new PresenceStamp(new PublishTime(rs.getLong(3)), rs.getLong(4)));
                pools.add(rs.getString(5));
            }
        }
        assertThat(pools).isSubsetOf("pool-a", "pool-b");
        return stored;
    }

    /** Reads a listener log; fails on the first update that does not move its key forward. The last stamp per presentity. */
    private static Map<String, PresenceStamp> checkNeverBackwards(Path log) throws Exception {
        Map<String, PresenceStamp> last = new HashMap<>();
        int line = 0;
        for (String entry : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            line++;
            String[] f = entry.split(" ");
            PresenceStamp stamp = new PresenceStamp(new PublishTime(Long.parseLong(f[2])), Long.parseLong(f[3]));
            PresenceStamp before = last.put(f[0], stamp);
            if (before != null) {
                assertThat(stamp).as("%s line %d: %s after %s", log.getFileName(), line, f[0], before).isGreaterThan(before);
            }
        }
        return last;
    }

    /**
     * {@value #VERSIONS} versions per presentity one second apart, and for every tenth presentity a
     * second, different document at the newest time: a tie the digest breaks the same way everywhere.
     */
    private static List<Notify> updates() {
        List<Notify> updates = new ArrayList<>();
        for (int p = 0; p < PRESENTITIES; p++) {
            String presentity = "sip:user" + p + "@example.com";
            for (int v = 0; v < VERSIONS; v++) {
                updates.add(Notify.of(presentity, BASE.plusSeconds(v), v % 2 == 0 ? "open" : "closed", "version " + v));
            }
            if (p % 10 == 0) {
                updates.add(Notify.of(presentity, BASE.plusSeconds(VERSIONS - 1), "open", "a twin of the newest"));
            }
        }
        return updates;
    }

    private record Notify(String presentity, String body, PresenceStamp stamp) {
        static Notify of(String presentity, Instant published, String basic, String note) {
            String body = """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="%s">
                      <tuple id="t1"><status><basic>%s</basic></status><note>%s</note><timestamp>%s</timestamp></tuple>
                    </presence>
                    """.formatted(presentity, basic, note, published);
            PresenceUpdate update = PresenceUpdate.of(Aor.parse(presentity), "pidf", PublishTime.of(published), "application/pidf+xml", body);
            return new Notify(presentity, body, update.stamp());
        }
    }
}
