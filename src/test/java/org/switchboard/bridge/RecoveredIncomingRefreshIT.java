package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.bridge.BridgeTesting.awaitBridgeState;
import static org.switchboard.bridge.BridgeTesting.awaitHealth;
import static org.switchboard.bridge.BridgeTesting.sipUser;
import static org.switchboard.bridge.BridgeTesting.sipUserAsJid;
import static org.switchboard.bridge.BridgeTesting.xmppUserAsSip;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.bridge.BridgeTesting.Row;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer.Watch;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.TestPostgres;
import org.switchboard.testing.TestProsody;
import org.switchboard.testing.XmppUser;

/**
 * Issue 17: a SIP user's subscription to an XMPP user, recovered after a kill -9, is refreshed in its old dialog
 * like a live one. Every refresh and the un-SUBSCRIBE are answered 2xx (or 481, which makes the SIP side subscribe
 * anew; never 500), and {@code Expires: 0} removes the record, on the runner's own H2 file and on PostgreSQL.
 */
class RecoveredIncomingRefreshIT {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String PASSWORD = "pw";

    /** Where the records live. */
    enum Storage { H2, POSTGRESQL }

    @TempDir
    Path work;

    @BeforeEach
    void prosodyIsInstalled() {
        TestProsody.assumeInstalled();
    }

    /**
     * Refresh, refresh, un-SUBSCRIBE, as a SIP client sends them in the dialog it opened before the kill. Each is
     * answered 2xx, or 481 after which the client subscribes anew (200, and presence flows) and goes on in the new
     * dialog; never anything else. {@code Expires: 0} leaves no record.
     */
    @ParameterizedTest
    @EnumSource(Storage.class)
    void after_a_kill_9_every_refresh_and_the_unsubscribe_are_answered_and_expires_0_removes_the_record(Storage storage)
            throws Exception {
        try (Fixture fixture = new Fixture(storage)) {
            Watch watch = fixture.subscribeThenKill();
            try (RunningSwitchboard second = fixture.restart()) {
                List<Integer> statuses = new ArrayList<>();
                watch = fixture.refresh(watch, statuses, second);
                watch = fixture.refresh(watch, statuses, second);
                int unsubscribe = fixture.sip.resubscribe(watch, 0);
                statuses.add(unsubscribe);
                assertThat(statuses).as("the answers to refresh, refresh, un-SUBSCRIBE (and re-SUBSCRIBEs after a 481)\n%s",
                        second.stderr()).allSatisfy(RecoveredIncomingRefreshIT::isLiveAnswer);
                assertThat(unsubscribe).as("the un-SUBSCRIBE, in a dialog of this run").isBetween(200, 299);
                fixture.awaitNoIncomingRecord(second);
                assertThat(second.terminate(Duration.ofSeconds(30))).as("clean stop").isZero();
            }
            assertThat(fixture.incomingRows()).as("the records after Expires: 0").isEmpty();
        }
    }

    /** The un-SUBSCRIBE as the first request in the old dialog after the kill: answered, and the record goes. */
    @ParameterizedTest
    @EnumSource(Storage.class)
    void after_a_kill_9_an_unsubscribe_in_the_old_dialog_is_answered_and_removes_the_record(Storage storage) throws Exception {
        try (Fixture fixture = new Fixture(storage)) {
            Watch watch = fixture.subscribeThenKill();
            try (RunningSwitchboard second = fixture.restart()) {
                int unsubscribe = fixture.sip.resubscribe(watch, 0);
                assertThat(unsubscribe).as("the un-SUBSCRIBE\n%s", second.stderr()).satisfies(RecoveredIncomingRefreshIT::isLiveAnswer);
                fixture.awaitNoIncomingRecord(second);
                assertThat(second.terminate(Duration.ofSeconds(30))).as("clean stop").isZero();
            }
            assertThat(fixture.incomingRows()).as("the records after Expires: 0").isEmpty();
        }
    }

    /** What a live subscription's SUBSCRIBE gets: 2xx, or 481 (the SIP side then subscribes anew). */
    private static void isLiveAnswer(int status) {
        assertThat(status).as("status").matches(s -> (s >= 200 && s < 300) || s == 481, "2xx or 481");
    }

    /** Prosody with the XMPP user bob, a SIP peer, the database, and a runner on a fixed SIP port in one directory. */
    private final class Fixture implements AutoCloseable {
        final Storage storage;
        final TestProsody prosody;
        final TestPostgres postgres;
        final SipPresencePeer sip;
        final XmppUser bob;
        final String config;
        /** The SIP side keeps sending to the address it subscribed at: the restarted runner listens there again. */
        final int sipPort = FreePorts.udpAndTcp();
        final Path runnerDir = work.resolve("sb");
        final String sipuser5;

        Fixture(Storage storage) throws Exception {
            this.storage = storage;
            prosody = TestProsody.start(work.resolve("prosody"));
            postgres = storage == Storage.POSTGRESQL ? TestPostgres.start() : null;
            sip = SipPresencePeer.udp();
            prosody.registerAll(List.of("bob"), PASSWORD);
            BridgeTesting.Settings settings = BridgeTesting.Settings.of(prosody);
            config = postgres != null ? BridgeTesting.config(prosody, sip, postgres, settings)
                    : BridgeTesting.configWithEmbeddedDatabase(prosody, sip, settings);
            bob = XmppUser.login(prosody, "bob", PASSWORD);
            sipuser5 = sipUserAsJid(prosody, "sipuser5");
        }

        /** sipuser5 watches bob (approved, active), the record is written, and the runner is killed with SIGKILL. */
        Watch subscribeThenKill() throws Exception {
            RunningSwitchboard first = RunningSwitchboard.in(runnerDir).sipPort(sipPort).configText(config).start();
            try {
                awaitBridgeState(first, "CONNECTED", WAIT);
                Watch watch = sip.subscribe(sipUser("sipuser5"), xmppUserAsSip("bob"), sipPort, 3600);
                assertThat(watch.status()).isEqualTo(200);
                bob.awaitSubscriptionRequest(sipuser5, WAIT);
                bob.approve(sipuser5);
                sip.awaitNotify(watch, n -> "active".equals(n.state()), WAIT);
                awaitHealth(first, h -> h.path("persistence").path("pendingWrites").asInt(-1) == 0
                        && h.path("bridge").path("incoming").asInt() == 1, WAIT, "the record written");
                // H2 puts a commit in its file up to WRITE_DELAY (500 ms) later; this test is about what follows the kill.
                Thread.sleep(1500);
                first.kill();
                assertThat(first.isAlive()).isFalse();
                assertThat(incomingRows()).as("the record after the kill").singleElement()
                        .satisfies(r -> assertThat(r.state()).isEqualTo("ACTIVE"));
                return watch;
            } finally {
                first.close();
            }
        }

        RunningSwitchboard restart() throws Exception {
            RunningSwitchboard second = RunningSwitchboard.in(runnerDir).sipPort(sipPort).configText(config).start();
            awaitHealth(second, h -> h.path("recovery").path("finished").asBoolean(false), Duration.ofSeconds(30), "recovery finished");
            awaitBridgeState(second, "CONNECTED", WAIT);
            return second;
        }

        /**
         * A refresh in the watch's dialog, as a SIP client does it: on 481 it subscribes anew, which must be accepted
         * and bring bob's presence; the dialog to go on in.
         */
        Watch refresh(Watch watch, List<Integer> statuses, RunningSwitchboard server) throws Exception {
            int status = sip.resubscribe(watch, 3600);
            statuses.add(status);
            if (status != 481) {
                return watch;
            }
            Watch again = sip.subscribe(sipUser("sipuser5"), xmppUserAsSip("bob"), server.sipPort(), 3600);
            statuses.add(again.status());
            assertThat(again.status()).as("the new SUBSCRIBE after a 481").isEqualTo(200);
            assertThat(sip.awaitNotify(again, n -> true, WAIT).state()).as("bob approved before: active at once").isEqualTo("active");
            bob.available(Presence.Mode.dnd, "after the kill");
            sip.awaitNotify(again, BridgeTesting.carries("open", "busy", "after the kill"), WAIT);
            return again;
        }

        void awaitNoIncomingRecord(RunningSwitchboard server) throws Exception {
            awaitHealth(server, h -> h.path("bridge").path("incoming").asInt(-1) == 0
                    && h.path("persistence").path("pendingWrites").asInt(-1) == 0, WAIT, "no incoming record left");
        }

        /** The INCOMING_SIP rows, read when no runner holds the H2 file. */
        List<Row> incomingRows() throws Exception {
            return RecoveredIncomingRefreshIT.incomingRows(storage, postgres, runnerDir);
        }

        @Override
        public void close() throws Exception {
            try (TestProsody p = prosody; SipPresencePeer s = sip; XmppUser b = bob) {
                if (postgres != null) {
                    postgres.close();
                }
            }
        }
    }

    private static List<Row> incomingRows(Storage storage, TestPostgres postgres, Path runnerDir) throws Exception {
        DataSource source;
        if (storage == Storage.POSTGRESQL) {
            source = postgres.dataSource();
        } else {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:file:" + runnerDir.resolve("data").resolve("switchboard").toAbsolutePath() + ";IFEXISTS=TRUE");
            h2.setUser("sa");
            h2.setPassword("");
            source = h2;
        }
        return BridgeTesting.rows(source).stream().filter(r -> r.direction().equals("INCOMING_SIP")).toList();
    }
}
