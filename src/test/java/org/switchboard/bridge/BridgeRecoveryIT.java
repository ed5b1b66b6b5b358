package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.bridge.BridgeTesting.awaitBridgeState;
import static org.switchboard.bridge.BridgeTesting.awaitHealth;
import static org.switchboard.bridge.BridgeTesting.awaitRows;
import static org.switchboard.bridge.BridgeTesting.carries;
import static org.switchboard.bridge.BridgeTesting.sipUser;
import static org.switchboard.bridge.BridgeTesting.sipUserAsJid;
import static org.switchboard.bridge.BridgeTesting.xmppUser;
import static org.switchboard.bridge.BridgeTesting.xmppUserAsSip;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.bridge.BridgeTesting.Row;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer.ReceivedNotify;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;
import org.switchboard.testing.SipPresencePeer.Watch;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.TestPostgres;
import org.switchboard.testing.TestProsody;
import org.switchboard.testing.XmppUser;

/**
 * Bridged subscriptions across a restart of the application (PRODUCT.md §E and §F; issues 6 and 7): after a
 * clean stop and after a kill -9, outgoing SIP subscriptions are re-established on the wire and incoming ones
 * stay active until the SIP side subscribes again; recovery runs in batches of the configured size at the
 * configured interval. The records live in a real PostgreSQL so the test reads them while the runner runs.
 */
class BridgeRecoveryIT {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String PASSWORD = "pw";
    private static final Pattern BATCH_LINE = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*Recovery: batch (\\d+): (\\d+) records, (\\d+) of (\\d+) recovered");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    @TempDir
    Path work;

    @BeforeEach
    void prosodyIsInstalled() {
        TestProsody.assumeInstalled();
    }

    @Test
    void after_a_clean_restart_the_outgoing_subscription_is_re_established_and_the_incoming_one_forwards_once_re_subscribed()
            throws Exception {
        try (TestProsody prosody = TestProsody.start(work.resolve("prosody"));
             TestPostgres postgres = TestPostgres.start();
             SipPresencePeer sip = SipPresencePeer.udp()) {
            prosody.registerAll(List.of("alice", "dave"), PASSWORD);
            String config = BridgeTesting.config(prosody, sip, postgres, BridgeTesting.Settings.of(prosody));
            String bob = sipUserAsJid(prosody, "bob");
            String carol = sipUserAsJid(prosody, "carol");
            try (XmppUser alice = XmppUser.login(prosody, "alice", PASSWORD);
                 XmppUser dave = XmppUser.login(prosody, "dave", PASSWORD)) {
                RunningSwitchboard first = RunningSwitchboard.in(work.resolve("sb")).configText(config).start();
                try {
                    awaitBridgeState(first, "CONNECTED", WAIT);
                    establishOutgoing(sip, alice, prosody, "bob");
                    establishIncoming(sip, first, dave, prosody, "carol");
                    awaitRows(postgres, rows -> rows.stream().filter(r -> r.state().equals("ACTIVE")).count() == 2, WAIT,
                            "both records ACTIVE");
                    assertThat(first.terminate(Duration.ofSeconds(30))).as("clean stop").isZero();
                } finally {
                    first.close();
                }

                Instant restart = Instant.now();
                sip.documentFor(presentity -> SipPresencePeer.pidf(presentity, "open", "away", "after restart", Instant.now()));
                try (RunningSwitchboard second = RunningSwitchboard.in(work.resolve("sb")).configText(config).start()) {
                    awaitBridgeState(second, "CONNECTED", WAIT);
                    ReceivedSubscribe again = sip.awaitSubscribe(s -> s.at().isAfter(restart) && s.expires() > 0
                            && s.fromUri().equals(xmppUserAsSip("alice")) && s.toUri().equals(sipUser("bob")), Duration.ofSeconds(30));
                    assertThat(again.header("Event")).startsWith("presence");
                    Presence afterRestart = alice.awaitPresence(bob, p -> "after restart".equals(p.getStatus()), WAIT);
                    assertThat(afterRestart.getMode()).isEqualTo(Presence.Mode.away);

                    // Carol's SIP client subscribes again; Dave approved before: active at once, no new request to Dave.
                    Watch resubscribed = sip.subscribe(sipUser("carol"), xmppUserAsSip("dave"), second.sipPort(), 600);
                    assertThat(resubscribed.status()).isEqualTo(200);
                    assertThat(sip.awaitNotify(resubscribed, n -> true, WAIT).state()).as("the first NOTIFY after the re-SUBSCRIBE")
                            .isEqualTo("active");
                    dave.available(Presence.Mode.dnd, "meeting");
                    sip.awaitNotify(resubscribed, carries("open", "busy", "meeting"), WAIT);
                    dave.assertNoPresence(carol, p -> p.getType() == Presence.Type.subscribe, Duration.ofSeconds(1));

                    JsonNode health = BridgeTesting.health(second);
                    assertThat(health.path("bridge").path("outgoing").asInt()).isEqualTo(1);
                    assertThat(health.path("bridge").path("incoming").asInt()).isEqualTo(1);
                }
            }
        }
    }

    /**
     * Issue 6: 30 outgoing and 30 incoming subscriptions, a kill -9 during presence traffic, a restart with
     * batches of 10 every second → every record recovered (rows and health), in batches of 10 about a second
     * apart (log lines and row times), and exactly one new SUBSCRIBE per outgoing record on the wire.
     */
    @Test
    void after_a_kill_9_during_traffic_every_record_is_recovered_in_batches_and_the_outgoing_ones_re_established() throws Exception {
        int count = 30;
        try (TestProsody prosody = TestProsody.start(work.resolve("prosody"));
             TestPostgres postgres = TestPostgres.start();
             SipPresencePeer sip = SipPresencePeer.udp()) {
            prosody.registerAll(List.of("alice", "dave"), PASSWORD);
            String config = BridgeTesting.config(prosody, sip, postgres, BridgeTesting.Settings.of(prosody).recovery(10, 1));
            try (XmppUser alice = XmppUser.login(prosody, "alice", PASSWORD);
                 XmppUser dave = XmppUser.login(prosody, "dave", PASSWORD)) {
                RunningSwitchboard first = RunningSwitchboard.in(work.resolve("sb")).configText(config).start();
                List<String> outgoingDialogs = new ArrayList<>();
                try {
                    awaitBridgeState(first, "CONNECTED", WAIT);
                    for (int i = 0; i < count; i++) {
                        alice.subscribe(sipUserAsJid(prosody, "bob" + i));
                    }
                    for (int i = 0; i < count; i++) {
                        String to = sipUser("bob" + i);
                        outgoingDialogs.add(sip.awaitSubscribe(s -> !s.inDialog() && s.toUri().equals(to), WAIT).callId());
                    }
                    for (int i = 0; i < count; i++) {
                        Watch watch = sip.subscribe(sipUser("carol" + i), xmppUserAsSip("dave"), first.sipPort(), 3600);
                        assertThat(watch.status()).isEqualTo(200);
                    }
                    for (int i = 0; i < count; i++) {
                        String carol = sipUserAsJid(prosody, "carol" + i);
                        dave.awaitSubscriptionRequest(carol, WAIT);
                        dave.approve(carol);
                    }
                    awaitRows(postgres, rows -> rows.size() == 2 * count && rows.stream().allMatch(r -> r.state().equals("ACTIVE")),
                            Duration.ofSeconds(30), 2 * count + " ACTIVE records");

                    // Presence traffic both ways, and the kill in the middle of it.
                    AtomicBoolean traffic = new AtomicBoolean(true);
                    Thread sender = new Thread(() -> {
                        int n = 0;
                        while (traffic.get()) {
                            try {
                                String callId = outgoingDialogs.get(n % count);
                                sip.notifyNoWait(callId, "active;expires=3600",
                                        SipPresencePeer.pidf(sipUser("bob" + (n % count)), "open", "away", "traffic " + n, Instant.now()));
                                if (n % 5 == 0) {
                                    dave.available(n % 10 == 0 ? Presence.Mode.away : Presence.Mode.dnd, "traffic " + n);
                                }
                                n++;
                                Thread.sleep(10);
                            } catch (Exception e) {
                                return; // the runner is gone, or the test is over
                            }
                        }
                    }, "presence-traffic");
                    sender.start();
                    Thread.sleep(1500);
                    first.kill();
                    traffic.set(false);
                    sender.join(5000);
                    assertThat(first.isAlive()).isFalse();
                } finally {
                    first.close();
                }

                assertThat(countByDirection(BridgeTesting.rows(postgres))).as("the records after the kill")
                        .isEqualTo(Map.of("OUTGOING_SIP", (long) count, "INCOMING_SIP", (long) count));
                Instant restart = Instant.now();
                try (RunningSwitchboard second = RunningSwitchboard.in(work.resolve("sb")).configText(config).start()) {
                    JsonNode health = awaitHealth(second, h -> h.path("recovery").path("finished").asBoolean(false), Duration.ofSeconds(30),
                            "recovery finished");
                    assertThat(health.path("recovery").path("recovered").asLong()).isEqualTo(2L * count);
                    assertThat(health.path("recovery").path("total").asLong()).isEqualTo(2L * count);
                    assertThat(health.path("recovery").path("batches").asInt()).isGreaterThanOrEqualTo(2 * count / 10);

                    // Every row recovered by this run, in six groups of ten about a second apart.
                    List<Row> rows = BridgeTesting.rows(postgres);
                    assertThat(rows).hasSize(2 * count);
                    assertThat(rows).allSatisfy(r -> assertThat(r.lastRecoveredAt()).as("last_recovered_at of %s", r)
                            .isNotNull().isAfter(restart.minusSeconds(1)));
                    assertThat(groupSizes(rows.stream().map(Row::lastRecoveredAt).sorted().toList(), Duration.ofMillis(400)))
                            .as("rows recovered together (last_recovered_at less than 400 ms apart)").containsOnly(10).hasSize(2 * count / 10);

                    // The runner's own account: "Recovery: batch N: 10 records, M of 60 recovered", a second apart.
                    List<Instant> batchTimes = new ArrayList<>();
                    for (String line : second.stderr().lines().toList()) {
                        Matcher batch = BATCH_LINE.matcher(line);
                        if (batch.find() && Integer.parseInt(batch.group(3)) > 0) {
                            assertThat(Integer.parseInt(batch.group(3))).as(line).isEqualTo(10);
                            assertThat(Integer.parseInt(batch.group(5))).as(line).isEqualTo(2 * count);
                            batchTimes.add(LocalDateTime.parse(batch.group(1), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant());
                        }
                    }
                    assertThat(batchTimes).as("batches of 10 in the log:\n%s", second.stderr()).hasSize(2 * count / 10);
                    for (int i = 1; i < batchTimes.size(); i++) {
                        assertThat(Duration.between(batchTimes.get(i - 1), batchTimes.get(i)).toMillis()).as("interval before batch %d", i + 1)
                                .isBetween(700L, 2500L);
                    }

                    // On the wire: one new SUBSCRIBE per outgoing record, no more.
                    Set<String> reestablished = new java.util.HashSet<>();
                    for (int i = 0; i < count; i++) {
                        ReceivedSubscribe again = sip.awaitSubscribe(s -> s.at().isAfter(restart) && s.expires() > 0
                                && s.fromUri().equals(xmppUserAsSip("alice")), Duration.ofSeconds(30));
                        reestablished.add(again.toUri());
                    }
                    assertThat(reestablished).containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, count).mapToObj(i -> sipUser("bob" + i)).toList());
                    sip.assertNoSubscribe(s -> s.at().isAfter(restart) && s.expires() > 0 && s.fromUri().equals(xmppUserAsSip("alice")),
                            Duration.ofSeconds(2));

                    JsonNode counts = awaitBridgeState(second, "CONNECTED", WAIT);
                    assertThat(counts.path("bridge").path("outgoing").asInt()).isEqualTo(count);
                    assertThat(counts.path("bridge").path("incoming").asInt()).isEqualTo(count);

                    // An incoming one forwards presence again once its SIP side subscribes again.
                    Watch carol7 = sip.subscribe(sipUser("carol7"), xmppUserAsSip("dave"), second.sipPort(), 600);
                    assertThat(carol7.status()).isEqualTo(200);
                    assertThat(sip.awaitNotify(carol7, n -> true, WAIT).state()).isEqualTo("active");
                    dave.available(Presence.Mode.xa, "after the kill");
                    ReceivedNotify afterKill = sip.awaitNotify(carol7, carries("open", null, "after the kill"), WAIT);
                    assertThat(afterKill.state()).isEqualTo("active");
                    assertThat(BridgeTesting.rows(postgres)).as("no record lost or added").hasSize(2 * count)
                            .extracting(Row::xmppJid).allMatch(jid -> jid.startsWith(xmppUser(prosody, "alice"))
                                    || jid.startsWith(xmppUser(prosody, "dave")));
                }
            }
        }
    }

    private static void establishOutgoing(SipPresencePeer sip, XmppUser alice, TestProsody prosody, String sipUserName) throws Exception {
        String jid = sipUserAsJid(prosody, sipUserName);
        alice.subscribe(jid);
        sip.awaitSubscribe(s -> !s.inDialog() && s.toUri().equals(sipUser(sipUserName)), WAIT);
        alice.awaitType(jid, Presence.Type.subscribed, WAIT);
        alice.awaitAvailable(jid, WAIT);
    }

    private static void establishIncoming(SipPresencePeer sip, RunningSwitchboard server, XmppUser dave, TestProsody prosody,
            String sipUserName) throws Exception {
        String jid = sipUserAsJid(prosody, sipUserName);
        Watch watch = sip.subscribe(sipUser(sipUserName), xmppUserAsSip("dave"), server.sipPort(), 3600);
        assertThat(watch.status()).isEqualTo(200);
        dave.awaitSubscriptionRequest(jid, WAIT);
        dave.approve(jid);
        sip.awaitNotify(watch, n -> "active".equals(n.state()), WAIT);
    }

    /** Sizes of the runs of consecutive times less than {@code gap} apart. */
    private static List<Integer> groupSizes(List<Instant> sorted, Duration gap) {
        List<Integer> sizes = new ArrayList<>();
        int size = 0;
        Instant previous = null;
        for (Instant time : sorted) {
            if (previous != null && Duration.between(previous, time).compareTo(gap) >= 0) {
                sizes.add(size);
                size = 0;
            }
            size++;
            previous = time;
        }
        if (size > 0) {
            sizes.add(size);
        }
        return sizes;
    }

    private static Map<String, Long> countByDirection(List<Row> rows) {
        return rows.stream().collect(Collectors.groupingBy(Row::direction, HashMap::new, Collectors.counting()));
    }
}
