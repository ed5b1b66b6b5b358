package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Archives;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.Stopping;
import org.switchboard.testing.TestPostgres;

/**
 * Issue 17, through the real container: a PostgreSQL that stalls (every process of it stopped with SIGSTOP for 12 s:
 * connections open, nothing answered) holds no SIP answer beyond the one database write that meets the stall (ended
 * by the driver's socket timeout, after which the store's breaker keeps the database out of the SIP path), delays no
 * OPTIONS answer, and loses nothing: every presentity offered during the stall reaches its row once the server
 * answers again, although no update comes after it to trigger the write-back. Before the fixes the write hung for
 * as long as the stall (no socket timeout), and what was held back waited for the next update.
 */
class PostgresStallIT {

    private static final Duration STALL = Duration.ofSeconds(12);

    @TempDir
    Path work;

    @Test
    void a_stalled_database_delays_no_sip_answer_and_loses_no_presence() throws Exception {
        byte[] beans = Archives.jar(work.resolve("beans.jar"), Archives.beanJarEntries("org/switchboard/bench/beans"));
        Path war = Archives.switchboardWarWith(work.resolve("switchboard-offer.war"), Map.of("beans.jar", beans));
        Path pgData = work.resolve("pg");
        TestPostgres postgres = null;
        RunningSwitchboard server = null;
        SipClient client = null;
        String postmaster = null;
        try {
            postgres = TestPostgres.start(pgData, FreePorts.udpAndTcp());
            server = RunningSwitchboard.in(work.resolve("sb")).arg("--war", war.toString()).configText("""
                    storage:
                      database:
                        url: "%s"
                        username: postgres
                        password: ""
                        connect-timeout-seconds: 1
                    endpoints:
                      - {aor: "sip:presence@example.com", bean: presence-offer}
                    """.formatted(postgres.url())).start();
            client = SipClient.udp();
            assertThat(notify(client, server, "warm").getStatusCode()).isEqualTo(200);
            awaitRows(postgres, 1, Duration.ofSeconds(20));

            postmaster = Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim();
            signal("STOP", postmaster);
            List<Long> notifyMillis = new ArrayList<>();
            List<Long> optionsMillis = new ArrayList<>();
            Instant from = Instant.now();
            int sent = 0;
            while (Duration.between(from, Instant.now()).compareTo(STALL) < 0) {
                long began = System.nanoTime();
                Response answer = notify(client, server, "stalled" + sent++);
                notifyMillis.add((System.nanoTime() - began) / 1_000_000);
                assertThat(answer.getStatusCode()).isEqualTo(200);
                began = System.nanoTime();
                answer = client.send(client.request(Request.OPTIONS, "sip:ping@127.0.0.1:" + server.sipPort(), "prober"),
                        Duration.ofSeconds(5));
                optionsMillis.add((System.nanoTime() - began) / 1_000_000);
                assertThat(answer.getStatusCode()).isEqualTo(200);
                Thread.sleep(100);
            }
            signal("CONT", postmaster);
            postmaster = null;

            long rows = awaitRows(postgres, 1 + sent, Duration.ofSeconds(60));
            System.out.printf(Locale.ROOT, "stalled database: %d NOTIFYs in %d s, answered in max %d ms (p50 %d); OPTIONS max %d ms; "
                    + "rows after: %d%n", sent, STALL.toSeconds(), max(notifyMillis), median(notifyMillis), max(optionsMillis), rows);
            // The endpoint offers each NOTIFY's presence to the store on its own thread; the first write after the stall
            // began waits out the driver's socket timeout (4 x connect-timeout), opening the store's breaker; every
            // later one is held back in memory at once, and written back when the database answers again.
            List<Long> slowest = notifyMillis.stream().sorted(java.util.Comparator.reverseOrder()).limit(2).toList();
            assertThat(slowest.get(0)).as("the one write that met the stall ended at the socket timeout").isLessThan(5_500);
            assertThat(slowest.get(1)).as("no other NOTIFY answer waited for the stalled database").isLessThan(1_000);
            assertThat(max(optionsMillis)).as("no OPTIONS answer waited for the stalled database").isLessThan(1_000);
            assertThat(rows).as("every presentity offered during the stall reached its row").isEqualTo(1 + sent);
        } finally {
            if (postmaster != null) {
                signal("CONT", postmaster);
            }
            Stopping.all(client, server, postgres);
        }
    }

    private static Response notify(SipClient client, RunningSwitchboard server, String user) throws Exception {
        Request notify = client.requestTo(Request.NOTIFY, "sip:presence@example.com", user, server.sipPort());
        client.withHeader(notify, "Event", "presence");
        client.withHeader(notify, "Subscription-State", "active;expires=3600");
        client.withBody(notify, "application", "pidf+xml", SipPresencePeer.pidf(client.uriOf(user), "open", null, null, Instant.now()));
        // waits longer than the bound asserted on the slowest answer, so a slow answer is measured against it, not lost
        return client.send(notify, Duration.ofSeconds(10));
    }

    /** Waits (bounded) until the presence table holds at least {@code count} rows; the count last read. */
    private static long awaitRows(TestPostgres postgres, long count, Duration timeout) throws Exception {
        long rows = -1;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection connection = postgres.dataSource().getConnection();
                 Statement statement = connection.createStatement();
                 ResultSet result = statement.executeQuery("SELECT count(*) FROM presence_state")) {
                result.next();
                rows = result.getLong(1);
            }
            if (rows >= count) {
                return rows;
            }
            Thread.sleep(200);
        }
        return rows;
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    private static long median(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sorted().skip(values.size() / 2).findFirst().orElse(-1);
    }

    /** Sends the signal to the server and every process it started (its backends). */
    private static void signal(String signal, String postmaster) throws Exception {
        new ProcessBuilder("pkill", "-" + signal, "-P", postmaster).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        new ProcessBuilder("kill", "-" + signal, postmaster).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }
}
