package org.switchboard.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.faults.BridgeUnderLoad.Row;
import org.switchboard.faults.BridgeUnderLoad.Sub;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;

/**
 * kill -9 of the application under SIP load (PRODUCT.md §E: "a kill -9 at any moment ... ends with the database and
 * the live subscriptions agreeing"). 100 outgoing and 50 incoming subscriptions, SIPp sending OPTIONS and presence
 * flowing both ways; the runner is killed with SIGKILL, then started again on the same data directory and database:
 * every row recovered by the new run, every outgoing subscription re-established on the wire exactly once, the live
 * subscriptions equal to the rows, and SIP load served again.
 */
class KillUnderLoadFaultIT {

    private static final int XMPP_USERS = 5;
    private static final int OUTGOING = 100;
    private static final int INCOMING = 50;
    private static final int RATE = 100;

    @TempDir
    Path work;

    @BeforeAll
    static void installed() {
        BridgeUnderLoad.assumeInstalled();
    }

    @Test
    void after_a_kill_9_under_load_every_subscription_is_recovered_and_sip_load_is_served_again() throws Exception {
        long began = System.nanoTime();
        try (BridgeUnderLoad bridge = BridgeUnderLoad.start(work, "kill-9", new BridgeUnderLoad.Settings(XMPP_USERS, 10, 50))) {
            Set<Sub> ledger = new TreeSet<>();
            ledger.addAll(bridge.follow(bridge.spread("bob", 0, OUTGOING)));
            ledger.addAll(bridge.watch(bridge.spread("carol", 0, INCOMING)));
            bridge.awaitAgreement(ledger, Duration.ofSeconds(30));
            assertThat(bridge.compare("kill-9 before", ledger, Set.of())).as("before the kill").isEmpty();

            // SIP load and presence traffic, and the kill in the middle of them.
            int calls = RATE * 20;
            long killedAt;
            try (SipLoad load = SipLoad.start(work.resolve("sipp"), "before-kill", bridge.server().sipPort(), RATE, calls, Duration.ofSeconds(40));
                 AutoCloseable traffic = bridge.presenceTraffic()) {
                Thread.sleep(4000);
                long pid = bridge.server().pid();
                bridge.server().kill();
                killedAt = System.nanoTime();
                assertThat(bridge.server().isAlive()).as("the runner after SIGKILL").isFalse();
                System.out.println("kill-9: runner pid " + pid + " killed under load");
                traffic.close();
                load.close();
                System.out.println("kill-9: the load before the kill: " + load.awaitEnd(Duration.ofSeconds(5)));
            }

            List<Row> afterKill = bridge.rows();
            Set<Sub> rowsAfterKill = BridgeUnderLoad.subs(afterKill);
            System.out.printf("kill-9: rows after the kill %d, ledger %d; lost %d, unexpected %d%n", rowsAfterKill.size(), ledger.size(),
                    BridgeUnderLoad.minus(ledger, rowsAfterKill).size(), BridgeUnderLoad.minus(rowsAfterKill, ledger).size());
            assertThat(rowsAfterKill).as("the rows after the kill").isEqualTo(ledger);

            Instant restart = Instant.now();
            bridge.startServer();
            System.out.printf("kill-9: started again %.1f s after the kill%n", (System.nanoTime() - killedAt) / 1e9);
            JsonNode recovered = bridge.awaitHealth(h -> h.path("recovery").path("finished").asBoolean(false), Duration.ofSeconds(60),
                    "recovery finished");
            System.out.println("kill-9: recovery " + recovered.path("recovery"));
            assertThat(recovered.path("recovery").path("recovered").asLong()).as("recovered").isEqualTo(ledger.size());
            assertThat(recovered.path("recovery").path("total").asLong()).as("total").isEqualTo(ledger.size());

            // Every row recovered by this run.
            List<Row> rows = bridge.rows();
            List<Row> notRecovered = rows.stream().filter(r -> r.lastRecoveredAt() == null || r.lastRecoveredAt().isBefore(restart)).toList();
            System.out.printf("kill-9: rows %d, recovered by the new run %d, not %d%n", rows.size(), rows.size() - notRecovered.size(),
                    notRecovered.size());
            assertThat(notRecovered).as("rows whose last_recovered_at is not from the new run").isEmpty();

            // On the wire: one new SUBSCRIBE per outgoing subscription, and no second one.
            Map<String, Integer> reestablished = new HashMap<>();
            List<String> missing = new ArrayList<>();
            for (Sub sub : ledger) {
                if (!sub.direction().equals(BridgeUnderLoad.OUTGOING)) {
                    continue;
                }
                String from = "sip:" + sub.xmppJid().substring(0, sub.xmppJid().indexOf('@')) + "@" + BridgeUnderLoad.XMPP_USERS_SIP_DOMAIN;
                try {
                    ReceivedSubscribe again = bridge.sip().awaitSubscribe(s -> s.at().isAfter(restart) && !s.inDialog() && s.expires() > 0
                            && s.fromUri().equals(from) && s.toUri().equals(sub.sipAor()), Duration.ofSeconds(10));
                    reestablished.merge(again.toUri() + " " + again.fromUri(), 1, Integer::sum);
                } catch (AssertionError e) {
                    missing.add(sub.toString());
                }
            }
            List<String> twice = new ArrayList<>();
            Thread.sleep(2000); // time for a second SUBSCRIBE, if one were coming
            Map<String, Long> newDialogs = new HashMap<>();
            for (ReceivedSubscribe s : bridge.sip().subscribes()) {
                if (s.at().isAfter(restart) && !s.inDialog() && s.expires() > 0) {
                    newDialogs.merge(s.toUri() + " " + s.fromUri(), 1L, Long::sum);
                }
            }
            newDialogs.forEach((pair, n) -> {
                if (n > 1) {
                    twice.add(pair + " x" + n);
                }
            });
            long outgoing = ledger.stream().filter(s -> s.direction().equals(BridgeUnderLoad.OUTGOING)).count();
            System.out.printf("kill-9: outgoing %d, re-established on the wire %d, missing %d, more than once %d%n", outgoing,
                    reestablished.size(), missing.size(), twice.size());
            assertThat(missing).as("outgoing subscriptions not re-established").isEmpty();
            assertThat(twice).as("outgoing subscriptions re-established more than once").isEmpty();
            assertThat(newDialogs).as("new SUBSCRIBE dialogs after the restart").hasSize((int) outgoing);

            // The live subscriptions equal the rows and the ledger.
            bridge.awaitAgreement(ledger, Duration.ofSeconds(20));
            assertThat(bridge.compare("kill-9", ledger, Set.of())).as("rows, ledger and live subscriptions after the restart").isEmpty();
            JsonNode counts = bridge.health().path("bridge");
            System.out.printf("kill-9: bridge counts outgoing %d (ledger %d), incoming %d (ledger %d)%n", counts.path("outgoing").asInt(),
                    outgoing, counts.path("incoming").asInt(), ledger.size() - outgoing);
            assertThat(counts.path("outgoing").asLong()).isEqualTo(outgoing);
            assertThat(counts.path("incoming").asLong()).isEqualTo(ledger.size() - outgoing);

            // SIP load is served again: every OPTIONS of a new run answered 200.
            int after = RATE * 10;
            try (SipLoad load = SipLoad.start(work.resolve("sipp"), "after-restart", bridge.server().sipPort(), RATE, after, Duration.ofSeconds(40))) {
                SipLoad.Result result = load.awaitEnd(Duration.ofSeconds(60));
                System.out.println("kill-9: after the restart " + result);
                assertThat(result.exitStatus()).as("SIPp's exit status\n" + load.output()).isZero();
                assertThat(result.successful()).isEqualTo(after);
                assertThat(result.failed()).isZero();
            }
        } finally {
            System.out.printf("kill-9: took %.1f s%n", (System.nanoTime() - began) / 1e9);
        }
    }
}
