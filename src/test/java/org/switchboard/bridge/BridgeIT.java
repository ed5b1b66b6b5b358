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
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.ClassPeers;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.SwitchboardDeployment;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.SipPresencePeer.ReceivedNotify;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;
import org.switchboard.testing.SipPresencePeer.Watch;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.Stopping;
import org.switchboard.testing.TestPostgres;
import org.switchboard.testing.TestProsody;
import org.switchboard.testing.XmppUser;

/**
 * The SIP ↔ XMPP presence bridge (PRODUCT.md §F, issue 7) end to end: the real runner with the bridge as an
 * external component of a real Prosody, real XMPP users (Smack), and a real SIP peer (JAIN-SIP) that is the
 * SIP users' presence server behind the Front End next hop and, as a watcher, the SIP users who subscribe to
 * XMPP users. One Switchboard for the class (cooldown 2 s), deployed through the Arquillian adapter; each test
 * uses its own users. A second one with a wrong component secret and a database of its own serves the test of
 * that, deployed by hand for that test only. Restarting Prosody comes last. The peers start before Arquillian deploys and stop after it undeployed
 * ({@link ClassPeers}); both configurations are made at deployment, from the peers' ports.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeIT {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final String PASSWORD = "pw";
    private static final String BRIDGE = "bridge";
    private static final String WRONG_SECRET = "wrong-secret";

    @TempDir
    static Path work;

    static TestProsody prosody;
    static TestPostgres postgres;
    static TestPostgres wrongSecretDatabase;
    static SipPresencePeer sip;

    @RegisterExtension
    @Order(1)
    static final ClassPeers PEERS = ClassPeers.of(BridgeIT::startPeers,
            () -> Stopping.all(sip, postgres, prosody));

    @RegisterExtension
    @Order(2)
    static final ArquillianExtension ARQUILLIAN = new ArquillianExtension();

    @ArquillianResource
    @OperateOnDeployment(BRIDGE)
    DeployedSwitchboard server;

    @ArquillianResource
    Deployer deployer;

    @Deployment(name = BRIDGE, testable = false, order = 1)
    public static WebArchive bridged() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard("bridge.war"),
                () -> BridgeTesting.config(prosody, sip, postgres, BridgeTesting.Settings.of(prosody).cooldownSeconds(2)));
    }

    /** Its own database: recovery must not touch the records of the class's Switchboard. */
    @Deployment(name = WRONG_SECRET, managed = false, testable = false)
    public static WebArchive bridgedWithAWrongSecret() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard("wrong-secret.war"),
                () -> BridgeTesting.config(prosody, sip, wrongSecretDatabase,
                        BridgeTesting.Settings.of(prosody).secret("not-" + prosody.componentSecret())));
    }

    static void startPeers() throws Exception {
        TestProsody.assumeInstalled();
        prosody = TestProsody.start(work.resolve("prosody"));
        prosody.registerAll(List.of("alice", "dave", "frank", "harry", "kate", "judy"), PASSWORD);
        postgres = TestPostgres.start();
        sip = SipPresencePeer.udp();
    }


    @BeforeEach
    void bridgeConnected(TestInfo test) throws Exception {
        awaitBridgeState(server, "CONNECTED", WAIT);
        boolean needsWrongSecret = Arrays.stream(test.getTestMethod().orElseThrow().getParameters())
                .map(p -> p.getAnnotation(OperateOnDeployment.class)).anyMatch(on -> on != null && on.value().equals(WRONG_SECRET));
        if (needsWrongSecret) {
            wrongSecretDatabase = TestPostgres.start();
            deployer.deploy(WRONG_SECRET);
        }
    }

    @AfterEach
    void keepTheLog() throws Exception {
        // Kept for whoever reads a failure: the runner's log goes with its working directory at undeployment.
        Files.writeString(Path.of("target", "BridgeIT-server.log"), server.log());
    }

    // ===================== XMPP → SIP =====================

    @Test
    @Order(1)
    void an_xmpp_subscribe_opens_a_sip_subscription_whose_presence_reaches_the_xmpp_user_in_publish_time_order_until_unsubscribe()
            throws Exception {
        Instant t0 = Instant.now();
        sip.documentFor(presentity -> SipPresencePeer.pidf(presentity, "open", "away", "lunch", t0));
        String bob = sipUserAsJid(prosody, "bob");
        try (XmppUser alice = XmppUser.login(prosody, "alice", PASSWORD)) {
            alice.subscribe(bob);

            ReceivedSubscribe subscribe = sip.awaitSubscribe(
                    s -> !s.inDialog() && s.toUri().equals(sipUser("bob")) && s.fromUri().equals(xmppUserAsSip("alice")), WAIT);
            assertThat(subscribe.requestUri()).startsWith(sipUser("bob"));
            assertThat(subscribe.header("Event")).startsWith("presence");
            assertThat(subscribe.expires()).isPositive();

            Presence subscribed = alice.awaitType(bob, Presence.Type.subscribed, WAIT);
            Presence lunch = alice.awaitPresence(bob, p -> p.getType() == Presence.Type.available, WAIT);
            assertThat(lunch.getMode()).isEqualTo(Presence.Mode.away);
            assertThat(lunch.getStatus()).isEqualTo("lunch");
            List<Presence> seen = alice.received();
            assertThat(seen.indexOf(subscribed)).as("subscribed comes before the first presence").isLessThan(seen.indexOf(lunch));

            awaitRows(postgres, rows -> rows.stream().anyMatch(r -> r.is("OUTGOING_SIP", "bob@example.com", xmppUser(prosody, "alice"))
                    && r.state().equals("ACTIVE")), WAIT, "an ACTIVE OUTGOING_SIP record bob <- alice");

            // Newer publish time: forwarded.
            assertThat(sip.notify(subscribe.callId(), "active;expires=3600",
                    SipPresencePeer.pidf(sipUser("bob"), "open", "busy", "meeting", t0.plusSeconds(60)))).isEqualTo(200);
            Presence meeting = alice.awaitPresence(bob, p -> p.getType() == Presence.Type.available, WAIT);
            assertThat(meeting.getMode()).isEqualTo(Presence.Mode.dnd);
            assertThat(meeting.getStatus()).isEqualTo("meeting");

            // Older publish time than what alice has: answered, not forwarded.
            assertThat(sip.notify(subscribe.callId(), "active;expires=3600",
                    SipPresencePeer.pidf(sipUser("bob"), "open", "away", "stale", t0.plusSeconds(30)))).isEqualTo(200);
            alice.assertNoPresence(bob, p -> p.getType() == Presence.Type.available || p.getType() == Presence.Type.unavailable, QUIET);

            // And the next newer one still is: the stale one was dropped, not delayed.
            assertThat(sip.notify(subscribe.callId(), "active;expires=3600",
                    SipPresencePeer.pidf(sipUser("bob"), "open", "away", "back soon", t0.plusSeconds(120)))).isEqualTo(200);
            Presence backSoon = alice.awaitPresence(bob, p -> p.getType() == Presence.Type.available, WAIT);
            assertThat(backSoon.getStatus()).isEqualTo("back soon");
            assertThat(alice.received()).noneMatch(p -> "stale".equals(p.getStatus()));

            alice.unsubscribe(bob);
            ReceivedSubscribe end = sip.awaitSubscribe(s -> s.callId().equals(subscribe.callId()) && s.expires() == 0, WAIT);
            assertThat(end.inDialog()).as("the SIP subscription ends in its own dialog").isTrue();
            awaitRows(postgres, rows -> rows.stream().noneMatch(r -> r.is("OUTGOING_SIP", "bob@example.com", xmppUser(prosody, "alice"))),
                    WAIT, "no OUTGOING_SIP record bob <- alice any more");
        } finally {
            sip.documentFor(SipPresencePeer::defaultDocument);
        }
    }

    // ===================== SIP → XMPP =====================

    @Test
    @Order(2)
    void a_sip_subscribe_is_accepted_at_once_forwarded_as_a_request_and_notified_once_approved() throws Exception {
        String carol = sipUserAsJid(prosody, "carol");
        try (XmppUser dave = XmppUser.login(prosody, "dave", PASSWORD)) {
            Watch watch = sip.subscribe(sipUser("carol"), xmppUserAsSip("dave"), server.sipPort(), 7200);
            assertThat(watch.status()).as("accepted at once").isEqualTo(200);
            assertThat(watch.grantedExpires()).as("Expires granted, at most incoming-expires-seconds").isBetween(1, 3600);
            ReceivedNotify pending = sip.awaitNotify(watch, n -> true, WAIT);
            assertThat(pending.state()).as("the first NOTIFY").isEqualTo("pending");

            dave.awaitSubscriptionRequest(carol, WAIT);
            awaitRows(postgres, rows -> rows.stream().anyMatch(r -> r.is("INCOMING_SIP", "carol@example.com", xmppUser(prosody, "dave"))),
                    WAIT, "an INCOMING_SIP record carol -> dave");
            dave.approve(carol);
            sip.awaitNotify(watch, n -> "active".equals(n.state()), WAIT);

            dave.available(Presence.Mode.dnd, "meeting");
            ReceivedNotify meeting = sip.awaitNotify(watch, carries("open", "busy", "meeting"), WAIT);
            assertThat(meeting.state()).isEqualTo("active");
            assertThat(meeting.request().getHeader("Content-Type").toString()).contains("application/pidf+xml");
            awaitRows(postgres, rows -> rows.stream().anyMatch(r -> r.is("INCOMING_SIP", "carol@example.com", xmppUser(prosody, "dave"))
                    && r.state().equals("ACTIVE")), WAIT, "the INCOMING_SIP record carol -> dave ACTIVE");
        }
    }

    @Test
    @Order(3)
    void a_sip_subscription_ending_with_expires_0_is_not_forwarded_to_xmpp_as_an_unsubscribe() throws Exception {
        String erin = sipUserAsJid(prosody, "erin");
        try (XmppUser frank = XmppUser.login(prosody, "frank", PASSWORD)) {
            Watch watch = sip.subscribe(sipUser("erin"), xmppUserAsSip("frank"), server.sipPort(), 600);
            assertThat(watch.status()).isEqualTo(200);
            frank.awaitSubscriptionRequest(erin, WAIT);
            frank.approve(erin);
            sip.awaitNotify(watch, n -> "active".equals(n.state()), WAIT);

            assertThat(sip.resubscribe(watch, 0)).isEqualTo(200);
            sip.awaitNotify(watch, n -> "terminated".equals(n.state()), WAIT);

            frank.assertNoPresence(erin, p -> p.getType() == Presence.Type.unsubscribe || p.getType() == Presence.Type.unsubscribed, QUIET);
        }
    }

    @Test
    @Order(4)
    void after_an_xmpp_user_rejects_re_subscribes_get_403_during_the_cooldown_and_200_after_it() throws Exception {
        String gina = sipUserAsJid(prosody, "gina");
        try (XmppUser harry = XmppUser.login(prosody, "harry", PASSWORD)) {
            Watch first = sip.subscribe(sipUser("gina"), xmppUserAsSip("harry"), server.sipPort(), 600);
            assertThat(first.status()).isEqualTo(200);
            harry.awaitSubscriptionRequest(gina, WAIT);
            harry.refuse(gina);
            ReceivedNotify terminated = sip.awaitNotify(first, n -> "terminated".equals(n.state()), WAIT);
            assertThat(terminated.stateParameter("reason")).isEqualTo("rejected");
            Instant rejectedAt = Instant.now();

            Watch during = sip.subscribe(sipUser("gina"), xmppUserAsSip("harry"), server.sipPort(), 600);
            assertThat(during.status()).as("re-SUBSCRIBE within the 2 s cooldown").isEqualTo(403);

            Thread.sleep(Math.max(0, Duration.between(Instant.now(), rejectedAt.plusSeconds(3)).toMillis()));
            Watch after = sip.subscribe(sipUser("gina"), xmppUserAsSip("harry"), server.sipPort(), 600);
            assertThat(after.status()).as("re-SUBSCRIBE after the cooldown").isEqualTo(200);
            assertThat(sip.awaitNotify(after, n -> true, WAIT).state()).isEqualTo("pending");
            harry.awaitSubscriptionRequest(gina, WAIT);
        }
    }

    @Test
    @Order(5)
    void after_an_xmpp_user_cancels_an_approved_subscription_the_sip_side_is_terminated_rejected_and_refused_during_the_cooldown()
            throws Exception {
        String leo = sipUserAsJid(prosody, "leo");
        try (XmppUser kate = XmppUser.login(prosody, "kate", PASSWORD)) {
            Watch watch = sip.subscribe(sipUser("leo"), xmppUserAsSip("kate"), server.sipPort(), 600);
            assertThat(watch.status()).isEqualTo(200);
            kate.awaitSubscriptionRequest(leo, WAIT);
            kate.approve(leo);
            sip.awaitNotify(watch, n -> "active".equals(n.state()), WAIT);

            kate.refuse(leo); // unsubscribed after approval: a cancel
            ReceivedNotify terminated = sip.awaitNotify(watch, n -> "terminated".equals(n.state()), WAIT);
            assertThat(terminated.stateParameter("reason")).isEqualTo("rejected");
            Watch again = sip.subscribe(sipUser("leo"), xmppUserAsSip("kate"), server.sipPort(), 600);
            assertThat(again.status()).as("re-SUBSCRIBE within the 2 s cooldown").isEqualTo(403);
            awaitRows(postgres, rows -> rows.stream().noneMatch(r -> r.is("INCOMING_SIP", "leo@example.com", xmppUser(prosody, "kate"))),
                    WAIT, "no INCOMING_SIP record leo -> kate any more");
        }
    }

    // ===================== the XMPP server =====================

    @Test
    @Order(6)
    void a_wrong_component_secret_is_one_log_line_and_a_visible_state_while_sip_goes_on(
            @ArquillianResource @OperateOnDeployment(WRONG_SECRET) DeployedSwitchboard wrong) throws Exception {
        try (SipClient client = SipClient.udp()) {
            awaitBridgeState(wrong, "AUTHENTICATION_FAILED", WAIT);
            Thread.sleep(5000); // long enough for a crash loop or a retry loop to show
            assertThat(bridgeState(BridgeTesting.health(wrong))).isEqualTo("AUTHENTICATION_FAILED");
            assertThat(ProcessHandle.of(wrong.pid()).map(ProcessHandle::isAlive)).hasValue(true);
            Pattern problem = Pattern.compile("\\b(SEVERE|WARNING|ERROR|WARN)\\b");
            Pattern aboutIt = Pattern.compile("(?i)(secret|not-authorized|authenticat|handshake)");
            List<String> lines = wrong.log().lines().filter(l -> problem.matcher(l).find() && aboutIt.matcher(l).find()).toList();
            assertThat(lines).as("warnings or errors about the failed authentication in:\n%s", wrong.log()).hasSize(1);

            Response options = client.send(client.request(Request.OPTIONS, "sip:ping@127.0.0.1:" + wrong.sipPort(), "probe"),
                    Duration.ofSeconds(10));
            assertThat(options.getStatusCode()).isEqualTo(200);
        } finally {
            deployer.undeploy(WRONG_SECRET);
            wrongSecretDatabase.close(); // after the Switchboard that used it
        }
    }

    @Test
    @Order(7)
    void after_a_restart_of_prosody_the_component_reconnects_and_presence_flows_again() throws Exception {
        String ivan = sipUserAsJid(prosody, "ivan");
        try (XmppUser judy = XmppUser.login(prosody, "judy", PASSWORD)) {
            Watch watch = sip.subscribe(sipUser("ivan"), xmppUserAsSip("judy"), server.sipPort(), 3600);
            assertThat(watch.status()).isEqualTo(200);
            judy.awaitSubscriptionRequest(ivan, WAIT);
            judy.approve(ivan);
            sip.awaitNotify(watch, n -> "active".equals(n.state()), WAIT);

            prosody.stop();
            awaitHealth(server, h -> Set.of("DISCONNECTED", "CONNECTING").contains(bridgeState(h)), WAIT,
                    "bridge.state DISCONNECTED or CONNECTING");
            prosody.startAgain();
            awaitBridgeState(server, "CONNECTED", Duration.ofSeconds(30));
            judy.awaitAuthenticated(Duration.ofSeconds(20));

            judy.available(Presence.Mode.away, "back");
            sip.awaitNotify(watch, carries("open", "away", "back"), WAIT);
        }
    }
}
