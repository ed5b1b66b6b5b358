package org.switchboard.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.faults.BridgeUnderLoad.notes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.faults.BridgeUnderLoad.Sub;
import org.switchboard.testing.XmppUser;

/**
 * The XMPP server restarted under SIP load (PRODUCT.md §F: "an external component ... with reconnection"). With 24
 * outgoing and 12 incoming subscriptions, SIPp sending OPTIONS and presence flowing, Prosody is stopped and started
 * again: the bridge's connection goes DISCONNECTED (or CONNECTING) and then CONNECTED in the health JSON, presence
 * resumes both ways for every subscription (each follower sees a new SIP presence, each SIP watcher a NOTIFY with the
 * new XMPP presence), and no subscription is lost (rows and live subscriptions unchanged).
 */
class XmppRestartFaultIT {

    private static final int XMPP_USERS = 4;
    private static final int OUTGOING = 24;
    private static final int INCOMING = 12;
    private static final int RATE = 100;

    @TempDir
    Path work;

    @BeforeAll
    static void installed() {
        BridgeUnderLoad.assumeInstalled();
    }

    @Test
    void after_the_xmpp_server_restarts_presence_resumes_both_ways_for_every_subscription() throws Exception {
        long began = System.nanoTime();
        try (BridgeUnderLoad bridge = BridgeUnderLoad.start(work, "xmpp-restart", new BridgeUnderLoad.Settings(XMPP_USERS, 10, 5000))) {
            Set<Sub> ledger = new TreeSet<>();
            List<Sub> outgoing = bridge.follow(bridge.spread("bob", 0, OUTGOING));
            List<Sub> incoming = bridge.watch(bridge.spread("carol", 0, INCOMING));
            ledger.addAll(outgoing);
            ledger.addAll(incoming);
            bridge.awaitAgreement(ledger, Duration.ofSeconds(30));
            assertThat(bridge.compare("xmpp-restart before", ledger, Set.of())).as("before the restart").isEmpty();

            int calls = RATE * 40;
            try (SipLoad load = SipLoad.start(work.resolve("sipp"), "xmpp-restart", bridge.server().sipPort(), RATE, calls, Duration.ofSeconds(90));
                 AutoCloseable traffic = bridge.presenceTraffic()) {
                Thread.sleep(2000);

                // The bridge's state, sampled every 50 ms across the restart (each change recorded once).
                List<String> states = Collections.synchronizedList(new ArrayList<>());
                // The first sample is taken here, before the restart begins: the sampler thread's first read could
                // otherwise come after Prosody has already gone (seen once: [DISCONNECTED, CONNECTED]).
                states.add(BridgeUnderLoad.bridgeState(bridge.health()));
                AtomicBoolean sampling = new AtomicBoolean(true);
                Thread sampler = new Thread(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (sampling.get() && System.nanoTime() < deadline) {
                        try {
                            String state = BridgeUnderLoad.bridgeState(bridge.health());
                            if (states.isEmpty() || !states.get(states.size() - 1).equals(state)) {
                                states.add(state);
                            }
                            Thread.sleep(50);
                        } catch (Exception e) {
                            return;
                        }
                    }
                }, "bridge-state-sampler");
                sampler.start();
                long restartedAt = System.nanoTime();
                bridge.prosody().restart();
                System.out.printf("xmpp-restart: Prosody restarted in %.1f s (pid %d)%n", (System.nanoTime() - restartedAt) / 1e9,
                        bridge.prosody().pid());
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline && !(states.size() > 1 && "CONNECTED".equals(states.get(states.size() - 1)))) {
                    Thread.sleep(50);
                }
                sampling.set(false);
                sampler.join(5000);
                System.out.printf("xmpp-restart: bridge states %s, connected again %.1f s after the restart began%n", states,
                        (System.nanoTime() - restartedAt) / 1e9);
                assertThat(states).as("bridge states across the restart").first().isEqualTo("CONNECTED");
                assertThat(states.subList(1, states.size())).as("bridge states after the restart began")
                        .containsAnyOf("DISCONNECTED", "CONNECTING").endsWith("CONNECTED");
                for (XmppUser user : bridge.users()) {
                    user.awaitAuthenticated(Duration.ofSeconds(30));
                }
                traffic.close();

                // SIP → XMPP: a new presence for every outgoing subscription reaches its follower.
                int followersSaw = 0;
                List<String> missing = new ArrayList<>();
                for (Sub sub : outgoing) {
                    try {
                        bridge.assertSipPresenceReaches(sub, "after the restart " + sub.sipAor());
                        followersSaw++;
                    } catch (AssertionError e) {
                        missing.add("SIP -> XMPP " + sub + ": " + e.getMessage().lines().findFirst().orElse(""));
                    }
                }
                // XMPP → SIP: each XMPP user's new presence reaches every SIP watcher of it.
                for (XmppUser user : bridge.users()) {
                    user.available(Presence.Mode.chat, "back " + user.jid());
                }
                int watchersSaw = 0;
                for (Sub sub : incoming) {
                    try {
                        bridge.sip().awaitNotify(bridge.watchOf(sub), notes("back " + sub.xmppJid()), BridgeUnderLoad.WAIT);
                        watchersSaw++;
                    } catch (AssertionError e) {
                        missing.add("XMPP -> SIP " + sub + ": " + e.getMessage().lines().findFirst().orElse(""));
                    }
                }
                System.out.printf("xmpp-restart: presence after the restart: followers %d of %d, SIP watchers %d of %d%n", followersSaw,
                        outgoing.size(), watchersSaw, incoming.size());
                missing.forEach(m -> System.out.println("  xmpp-restart: no presence: " + m));
                assertThat(missing).as("subscriptions on which presence did not resume").isEmpty();

                assertThat(bridge.compare("xmpp-restart", ledger, Set.of())).as("rows, ledger and live subscriptions after the restart")
                        .isEmpty();

                SipLoad.Result result = load.awaitEnd(Duration.ofSeconds(90));
                System.out.println("xmpp-restart: " + result);
                assertThat(result.failed()).as("OPTIONS that failed\n" + load.output()).isZero();
                assertThat(result.successful()).isEqualTo(calls);
            }
        } finally {
            System.out.printf("xmpp-restart: took %.1f s%n", (System.nanoTime() - began) / 1e9);
        }
    }
}
