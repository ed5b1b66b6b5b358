package org.switchboard.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.faults.BridgeUnderLoad.notes;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.faults.BridgeUnderLoad.Sub;

/**
 * PostgreSQL stopped for 30 s under SIP load (PRODUCT.md §E: "a database outage of any length ends with the database
 * and the live subscriptions agreeing"). With 40 outgoing and 20 incoming subscriptions established, SIPp sending
 * OPTIONS and presence flowing both ways, Debian's PostgreSQL is stopped; meanwhile subscriptions are added in both
 * directions, existing ones removed (XMPP unsubscribe; the XMPP user cancelling) and some of the new ones removed
 * again. The test keeps a ledger of what must exist. After PostgreSQL is back and the breaker has written memory
 * back, the rows, the ledger and the server's live subscriptions must be the same set: nothing lost, nothing
 * resurrected. Presence must flow on subscriptions made during the outage, and every OPTIONS must have been answered.
 */
class PostgresOutageFaultIT {

    private static final int XMPP_USERS = 4;
    private static final int OUTGOING = 40;
    private static final int INCOMING = 20;
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final int RATE = 100;

    @TempDir
    Path work;

    @BeforeAll
    static void installed() {
        BridgeUnderLoad.assumeInstalled();
    }

    @Test
    void a_30_s_database_outage_under_load_loses_nothing_and_resurrects_nothing() throws Exception {
        long began = System.nanoTime();
        try (BridgeUnderLoad bridge = BridgeUnderLoad.start(work, "pg-outage", new BridgeUnderLoad.Settings(XMPP_USERS, 3, 5000))) {
            Set<Sub> ledger = new TreeSet<>();
            Set<Sub> removed = new TreeSet<>();
            List<Sub> outgoing = bridge.follow(bridge.spread("bob", 0, OUTGOING));
            List<Sub> incoming = bridge.watch(bridge.spread("carol", 0, INCOMING));
            ledger.addAll(outgoing);
            ledger.addAll(incoming);
            bridge.awaitAgreement(ledger, Duration.ofSeconds(30));
            assertThat(bridge.compare("pg-outage before", ledger, removed)).as("before the outage").isEmpty();

            // Load for the whole outage and a while after it: OPTIONS at 100/s, presence both ways.
            int calls = RATE * (int) (OUTAGE.toSeconds() + 25);
            try (SipLoad load = SipLoad.start(work.resolve("sipp"), "outage", bridge.server().sipPort(), RATE, calls, Duration.ofSeconds(120));
                 AutoCloseable traffic = bridge.presenceTraffic()) {
                Thread.sleep(2000);
                long stopped = System.nanoTime();
                bridge.postgres().stop();
                System.out.println("pg-outage: PostgreSQL stopped (pid " + bridge.postgres().pid() + ")");

                // During the outage: remove 8 outgoing and 4 incoming that existed before it…
                for (Sub sub : outgoing.subList(0, 8)) {
                    bridge.unfollow(sub);
                    ledger.remove(sub);
                    removed.add(sub);
                }
                for (Sub sub : incoming.subList(0, 4)) {
                    bridge.cancel(sub);
                    ledger.remove(sub);
                    removed.add(sub);
                }
                // …the database's failures open the breaker…
                JsonNode open = bridge.awaitHealth(h -> "OPEN".equals(h.path("persistence").path("breaker").asText()), Duration.ofSeconds(25),
                        "persistence.breaker OPEN");
                System.out.println("pg-outage: breaker " + open.path("persistence"));
                // Presence accepted during the outage is held back in memory and written back when the database returns:
                // the last word of a subscription ended during the outage must reach its row (nothing newer can come).
                Sub lastWord = outgoing.get(8);
                Instant beforeLastWord = Instant.now();
                bridge.assertSipPresenceReaches(lastWord, "the last word during the outage");
                bridge.unfollow(lastWord);
                ledger.remove(lastWord);
                removed.add(lastWord);
                // …add 10 outgoing and 6 incoming, and remove 3 and 2 of those again.
                List<Sub> addedOutgoing = bridge.follow(bridge.spread("bob", OUTGOING, OUTGOING + 10));
                List<Sub> addedIncoming = bridge.watch(bridge.spread("carol", INCOMING, INCOMING + 6));
                ledger.addAll(addedOutgoing);
                ledger.addAll(addedIncoming);
                for (Sub sub : addedOutgoing.subList(0, 3)) {
                    bridge.unfollow(sub);
                    ledger.remove(sub);
                    removed.add(sub);
                }
                for (Sub sub : addedIncoming.subList(0, 2)) {
                    bridge.cancel(sub);
                    ledger.remove(sub);
                    removed.add(sub);
                }
                JsonNode during = bridge.health().path("persistence");
                System.out.println("pg-outage: during the outage " + during);
                assertThat(during.path("records").asInt()).as("records in memory during the outage").isEqualTo(ledger.size());

                long left = OUTAGE.toMillis() - Duration.ofNanos(System.nanoTime() - stopped).toMillis();
                if (left > 0) {
                    Thread.sleep(left);
                }
                bridge.postgres().startAgain();
                System.out.printf("pg-outage: PostgreSQL started again after %.1f s%n", (System.nanoTime() - stopped) / 1e9);

                JsonNode resynced = bridge.awaitHealth(h -> {
                    JsonNode p = h.path("persistence");
                    return "CLOSED".equals(p.path("breaker").asText()) && p.path("resyncs").asLong() >= 1 && p.path("pendingWrites").asInt() == 0;
                }, Duration.ofSeconds(60), "the breaker CLOSED, a resync done and no write waiting");
                System.out.println("pg-outage: after " + resynced.path("persistence"));
                JsonNode written = bridge.awaitHealth(h -> h.path("presence").path("heldBack").asInt(-1) == 0
                        && h.path("presence").path("writtenBack").asLong() >= 1, Duration.ofSeconds(30), "presence written back");
                System.out.println("pg-outage: presence store after " + written.path("presence"));
                Instant stored = bridge.presenceStoredAt(lastWord.sipAor());
                System.out.println("pg-outage: " + lastWord.sipAor() + " stored with publish time " + stored + " (last word sent at "
                        + beforeLastWord + ")");
                assertThat(stored).as("publish time of the row of %s, whose last update came during the outage", lastWord.sipAor())
                        .isAfterOrEqualTo(beforeLastWord.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                bridge.awaitAgreement(ledger, Duration.ofSeconds(20));
                List<String> problems = bridge.compare("pg-outage", ledger, removed);
                assertThat(problems).as("rows, ledger and live subscriptions after the outage").isEmpty();
                JsonNode counts = bridge.health().path("bridge");
                long outgoingLeft = ledger.stream().filter(s -> s.direction().equals(BridgeUnderLoad.OUTGOING)).count();
                System.out.printf("pg-outage: bridge counts outgoing %d (ledger %d), incoming %d (ledger %d)%n", counts.path("outgoing").asInt(),
                        outgoingLeft, counts.path("incoming").asInt(), ledger.size() - outgoingLeft);
                assertThat(counts.path("outgoing").asLong()).isEqualTo(outgoingLeft);
                assertThat(counts.path("incoming").asLong()).isEqualTo(ledger.size() - outgoingLeft);

                // Presence flows on subscriptions made during the outage, both ways.
                Sub follow = addedOutgoing.get(5);
                bridge.assertSipPresenceReaches(follow, "after the outage");
                Sub watched = addedIncoming.get(4);
                bridge.users().stream().filter(u -> u.jid().equals(watched.xmppJid())).findFirst().orElseThrow()
                        .available(Presence.Mode.xa, "after the outage");
                bridge.sip().awaitNotify(bridge.watchOf(watched), notes("after the outage"), BridgeUnderLoad.WAIT);
                System.out.println("pg-outage: presence flows on " + follow + " and " + watched);

                traffic.close();
                SipLoad.Result result = load.awaitEnd(Duration.ofSeconds(90));
                System.out.println("pg-outage: " + result);
                assertThat(result.failed()).as("OPTIONS that failed during the outage\n" + load.output()).isZero();
                assertThat(result.successful()).as("OPTIONS answered 200").isEqualTo(calls);
            }
            List<String> after = new ArrayList<>(bridge.compare("pg-outage end", ledger, removed));
            assertThat(after).as("still agreeing at the end").isEmpty();
        } finally {
            System.out.printf("pg-outage: took %.1f s%n", (System.nanoTime() - began) / 1e9);
        }
    }
}
