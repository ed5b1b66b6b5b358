package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.bridge.BridgeTesting.awaitBridgeState;
import static org.switchboard.bridge.BridgeTesting.awaitHealth;
import static org.switchboard.bridge.BridgeTesting.awaitRows;
import static org.switchboard.bridge.BridgeTesting.bridgeState;
import static org.switchboard.bridge.BridgeTesting.carries;
import static org.switchboard.bridge.BridgeTesting.sipUser;
import static org.switchboard.bridge.BridgeTesting.sipUserAsJid;
import static org.switchboard.bridge.BridgeTesting.xmppUser;
import static org.switchboard.bridge.BridgeTesting.xmppUserAsSip;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.roster.RosterEntry;
import org.jivesoftware.smack.roster.packet.RosterPacket.ItemType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.switchboard.arquillian.ClassPeers;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.SwitchboardDeployment;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;
import org.switchboard.testing.SipPresencePeer.Watch;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.Stopping;
import org.switchboard.testing.TestPostgres;
import org.switchboard.testing.TestProsody;
import org.switchboard.testing.XmppUser;

/**
 * Issue 17: stanzas the bridge sends while the XMPP server is down are dropped, and the bridge sends what matters
 * again from its subscription records once it is connected again. With Prosody stopped, a SIP user subscribes to an
 * XMPP user (its {@code subscribe} goes nowhere) and the SIP side accepts an XMPP user's subscription to a SIP user
 * (its {@code subscribed} and first presence go nowhere); Prosody is started again, and both subscriptions complete
 * and carry presence both ways. Real runner, real Prosody, real Smack users, a JAIN-SIP presence peer. Deployed through
 * the Arquillian adapter, its configuration made at deployment from the peers' ports; the peers start before
 * Arquillian deploys and stop after it undeployed ({@link ClassPeers}).
 */
class BridgeReplayIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PASSWORD = "pw";

    @TempDir
    static Path work;

    static TestProsody prosody;
    static TestPostgres postgres;
    static SipPresencePeer sip;

    @RegisterExtension
    @Order(1)
    static final ClassPeers PEERS = ClassPeers.of(BridgeReplayIT::startPeers, () -> Stopping.all(sip, postgres, prosody));

    @RegisterExtension
    @Order(2)
    static final ArquillianExtension ARQUILLIAN = new ArquillianExtension();

    @ArquillianResource
    DeployedSwitchboard server;

    @Deployment(testable = false)
    public static WebArchive bridged() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard(),
                () -> BridgeTesting.config(prosody, sip, postgres, BridgeTesting.Settings.of(prosody)));
    }

    static void startPeers() throws Exception {
        TestProsody.assumeInstalled();
        prosody = TestProsody.start(work.resolve("prosody"));
        prosody.registerAll(List.of("paul", "quinn"), PASSWORD);
        postgres = TestPostgres.start();
        sip = SipPresencePeer.udp();
    }

    @BeforeEach
    void bridgeConnected() throws Exception {
        awaitBridgeState(server, "CONNECTED", WAIT);
    }

    @AfterEach
    void keepTheLog() throws Exception {
        // Kept for whoever reads a failure: the runner's log goes with its working directory at undeployment.
        Files.writeString(Path.of("target", "BridgeReplayIT-server.log"), server.log());
    }

    @Test
    void subscriptions_made_while_the_xmpp_server_is_down_complete_once_it_is_back_and_presence_flows_both_ways() throws Exception {
        Instant t0 = Instant.now();
        String rita = sipUserAsJid(prosody, "rita");
        String sam = sipUserAsJid(prosody, "sam");
        try (XmppUser paul = XmppUser.login(prosody, "paul", PASSWORD);
             XmppUser quinn = XmppUser.login(prosody, "quinn", PASSWORD)) {
            // Paul asks for rita's presence; her presence server holds its answer until XMPP is down.
            sip.autoAnswer(false);
            paul.subscribe(rita);
            ReceivedSubscribe ritas = sip.awaitSubscribe(
                    s -> !s.inDialog() && s.toUri().equals(sipUser("rita")) && s.fromUri().equals(xmppUserAsSip("paul")), WAIT);

            prosody.stop();
            awaitHealth(server, h -> Set.of("DISCONNECTED", "CONNECTING").contains(bridgeState(h)), WAIT,
                    "bridge.state DISCONNECTED or CONNECTING");

            // XMPP → SIP: the SIP side accepts paul while XMPP is down; subscribed and her presence have nowhere to go.
            sip.answer(ritas, 200);
            assertThat(sip.notify(ritas.callId(), "active;expires=3600",
                    SipPresencePeer.pidf(sipUser("rita"), "open", "away", "lunch", t0))).isEqualTo(200);
            // SIP → XMPP: sam subscribes to quinn while XMPP is down; accepted, pending, the request has nowhere to go.
            Watch watch = sip.subscribe(sipUser("sam"), xmppUserAsSip("quinn"), server.sipPort(), 3600);
            assertThat(watch.status()).isEqualTo(200);
            assertThat(sip.awaitNotify(watch, n -> true, WAIT).state()).isEqualTo("pending");
            awaitRows(postgres, rows -> rows.stream().anyMatch(r -> r.is("OUTGOING_SIP", "rita@example.com", xmppUser(prosody, "paul"))
                    && r.state().equals("ACTIVE")) && rows.stream().anyMatch(r -> r.is("INCOMING_SIP", "sam@example.com",
                    xmppUser(prosody, "quinn")) && r.state().equals("PENDING")), WAIT, "rita <- paul ACTIVE and sam -> quinn PENDING");
            assertThat(bridgeState(BridgeTesting.health(server))).as("still down meanwhile").isIn("DISCONNECTED", "CONNECTING");

            prosody.startAgain();
            awaitBridgeState(server, "CONNECTED", Duration.ofSeconds(30));
            paul.awaitAuthenticated(WAIT);
            quinn.awaitAuthenticated(WAIT);

            // SIP → XMPP completes: quinn gets sam's request (live, or at her login: her server keeps it pending),
            // approves, and sam's dialog turns active with quinn's presence.
            quinn.awaitSubscriptionRequest(sam, WAIT);
            quinn.approve(sam);
            sip.awaitNotify(watch, n -> "active".equals(n.state()) && carries("open", null, null).test(n), WAIT);

            // XMPP → SIP completes: paul's roster shows the subscription approved (the subscribed reached his server,
            // whether he was logged in again yet or not), and rita's presence reaches him.
            awaitSubscribedTo(paul, rita);
            Presence lunch = paul.awaitPresence(rita, p -> p.getType() == Presence.Type.available && "lunch".equals(p.getStatus()), WAIT);
            assertThat(lunch.getMode()).isEqualTo(Presence.Mode.away);

            // A presence change then flows both ways.
            quinn.available(Presence.Mode.dnd, "meeting");
            sip.awaitNotify(watch, carries("open", "busy", "meeting"), WAIT);
            assertThat(sip.notify(ritas.callId(), "active;expires=3600",
                    SipPresencePeer.pidf(sipUser("rita"), "open", "busy", "on a call", t0.plusSeconds(60)))).isEqualTo(200);
            Presence call = paul.awaitPresence(rita, p -> p.getType() == Presence.Type.available && "on a call".equals(p.getStatus()), WAIT);
            assertThat(call.getMode()).isEqualTo(Presence.Mode.dnd);

            // Each stanza dropped while down was logged with what sends it again.
            String log = server.log();
            assertThat(log).contains("dropped subscribe from " + sam + " to " + xmppUser(prosody, "quinn")
                    + " (sent again on reconnect while the incoming subscription is pending)");
            assertThat(log).contains("dropped subscribed from " + rita + " to " + xmppUser(prosody, "paul")
                    + " (sent again on reconnect for the active outgoing subscription)");
        } finally {
            sip.autoAnswer(true);
        }
    }

    /** Waits until {@code user}'s roster has {@code jid} with a subscription to its presence ("to" or "both"). */
    private static void awaitSubscribedTo(XmppUser user, String jid) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        RosterEntry entry = null;
        while (System.nanoTime() < deadline) {
            entry = user.roster().getEntry(JidCreate.bareFrom(jid));
            if (entry != null && (entry.getType() == ItemType.to || entry.getType() == ItemType.both)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(user.jid() + "'s roster never showed a subscription to " + jid + " within " + WAIT + "; entry: "
                + (entry == null ? "none" : entry.getType() + (entry.isSubscriptionPending() ? ", pending" : "")));
    }
}
