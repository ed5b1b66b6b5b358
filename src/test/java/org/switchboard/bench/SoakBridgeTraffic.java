package org.switchboard.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jivesoftware.smack.packet.Presence;
import org.switchboard.testing.SipPresencePeer.Watch;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.TestProsody;
import org.switchboard.testing.XmppUser;

/**
 * The soak's bridge traffic: a real Prosody with a few logged-in XMPP users and the JAIN-SIP presence peer (the SIP
 * users' presence server behind the Front End next hop, and the SIP watchers). Every cycle one XMPP user starts
 * following a SIP user never seen before (a new outgoing subscription, a new presentity) and one SIP user never seen
 * before starts watching an XMPP user (a new incoming subscription, approved in XMPP); presence is sent both ways
 * and awaited on the other side; subscriptions older than {@link #LIFETIME} are ended from the side that made them.
 * So the bridge's records, dialogs and presence maps churn at a steady level. Each step is counted as completed or
 * failed; a failure is counted and the cycle goes on.
 */
final class SoakBridgeTraffic implements AutoCloseable {

    static final String SIP_DOMAIN = "example.com";
    static final String XMPP_USERS_SIP_DOMAIN = "xmpp.example.com";
    static final Duration CYCLE = Duration.ofSeconds(2);
    static final Duration LIFETIME = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String PASSWORD = "pw";
    private static final int USERS = 5;

    private final TestProsody prosody;
    private final SipPresencePeer sip;
    private final List<XmppUser> users;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final List<String> firstFailures = new ArrayList<>();
    private final Deque<Follow> follows = new ArrayDeque<>();
    private final Deque<Watching> watching = new ArrayDeque<>();
    private volatile boolean running = true;
    private boolean closed;
    private Thread thread;

    private record Follow(XmppUser follower, String sipName, String callId, Instant since) {
    }

    private record Watching(Watch watch, Instant since) {
    }

    private SoakBridgeTraffic(TestProsody prosody, SipPresencePeer sip, List<XmppUser> users) {
        this.prosody = prosody;
        this.sip = sip;
        this.users = users;
    }

    /** Prosody, its users logged in, and the SIP peer; everything started is stopped again on failure. */
    static SoakBridgeTraffic start(Path dir) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            TestProsody prosody = TestProsody.start(dir.resolve("prosody"));
            started.add(prosody);
            SipPresencePeer sip = SipPresencePeer.udp();
            started.add(sip);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                names.add("xuser" + i);
            }
            prosody.registerAll(names, PASSWORD);
            List<XmppUser> users = new ArrayList<>();
            for (String name : names) {
                XmppUser user = XmppUser.login(prosody, name, PASSWORD);
                started.add(user);
                users.add(user);
            }
            return new SoakBridgeTraffic(prosody, sip, users);
        } catch (Exception | Error e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    /** The configuration sections that bridge the server to this Prosody (records in the server's own H2 file). */
    String configSections() {
        return """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "%s"
                      users: []
                persistence:
                  enabled: true
                """.formatted(sip.nextHop()) + prosody.bridgeSection(SIP_DOMAIN, XMPP_USERS_SIP_DOMAIN);
    }

    /** Starts the cycles against the server's SIP port, on a thread of their own, until {@link #close}. */
    void run(int serverSipPort) {
        thread = new Thread(() -> cycles(serverSipPort), "soak-bridge");
        thread.setDaemon(true);
        thread.start();
    }

    long completed() {
        return completed.get();
    }

    long failed() {
        return failed.get();
    }

    List<String> firstFailures() {
        synchronized (firstFailures) {
            return List.copyOf(firstFailures);
        }
    }

    private void cycles(int serverSipPort) {
        long start = System.nanoTime();
        for (long n = 0; running; n++) {
            long cycle = n;
            XmppUser follower = users.get((int) (cycle % USERS));
            XmppUser watched = users.get((int) ((cycle + 2) % USERS));
            step("follow", () -> follow(follower, "soakf" + cycle));
            step("watch", () -> watch(watched, "soakw" + cycle, serverSipPort));
            step("xmpp presence", () -> publishInXmpp(watched, cycle));
            step("end old", this::endOld);
            long due = start + CYCLE.toNanos() * (cycle + 1);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String what, Step step) {
        try {
            step.run();
            completed.incrementAndGet();
        } catch (Exception | AssertionError e) {
            failed.incrementAndGet();
            synchronized (firstFailures) {
                if (firstFailures.size() < 5) {
                    firstFailures.add(what + ": " + e.getMessage());
                }
            }
        }
    }

    /** An XMPP user follows a new SIP user: the SUBSCRIBE reaches the SIP peer, a NOTIFY's note reaches the follower. */
    private void follow(XmppUser follower, String sipName) throws Exception {
        String jid = sipName + "@" + prosody.componentDomain();
        String from = xmppUserAsSip(follower);
        String to = "sip:" + sipName + "@" + SIP_DOMAIN;
        follower.subscribe(jid);
        String callId = sip.awaitSubscribe(s -> !s.inDialog() && s.expires() > 0 && s.fromUri().equals(from) && s.toUri().equals(to), WAIT)
                .callId();
        follows.add(new Follow(follower, sipName, callId, Instant.now()));
        follower.awaitType(jid, Presence.Type.subscribed, WAIT);
        String note = "note of " + sipName;
        int status = sip.notify(callId, "active;expires=3600", SipPresencePeer.pidf(to, "open", "away", note, Instant.now()));
        if (status != 200) {
            throw new AssertionError("NOTIFY answered " + status);
        }
        follower.awaitPresence(jid, p -> note.equals(p.getStatus()), WAIT);
    }

    /** A new SIP user watches an XMPP user, who approves; the watcher's NOTIFY {@code active} is awaited. */
    private void watch(XmppUser watched, String sipName, int serverSipPort) throws Exception {
        Watch watch = sip.subscribe("sip:" + sipName + "@" + SIP_DOMAIN, xmppUserAsSip(watched), serverSipPort, 3600);
        if (watch.status() != 200) {
            throw new AssertionError("SUBSCRIBE answered " + watch.status());
        }
        watching.add(new Watching(watch, Instant.now()));
        String jid = sipName + "@" + prosody.componentDomain();
        watched.awaitSubscriptionRequest(jid, WAIT);
        watched.approve(jid);
        sip.awaitNotify(watch, n -> "active".equals(n.state()), WAIT);
    }

    /** The watched XMPP user changes its status; the newest SIP watcher must hear it. */
    private void publishInXmpp(XmppUser watched, long cycle) throws Exception {
        String status = "status " + cycle;
        watched.available(Presence.Mode.away, status);
        Watching newest = watching.peekLast();
        if (newest != null) {
            sip.awaitNotify(newest.watch(), n -> n.body() != null && n.body().contains(status), WAIT);
        }
    }

    /** Subscriptions older than the lifetime end from the side that made them: unsubscribe in XMPP, Expires 0 in SIP. */
    private void endOld() throws Exception {
        Instant cutoff = Instant.now().minus(LIFETIME);
        while (!follows.isEmpty() && follows.peekFirst().since().isBefore(cutoff)) {
            Follow follow = follows.removeFirst();
            follow.follower().unsubscribe(follow.sipName() + "@" + prosody.componentDomain());
            sip.awaitSubscribe(s -> s.callId().equals(follow.callId()) && s.expires() == 0, WAIT);
        }
        while (!watching.isEmpty() && watching.peekFirst().since().isBefore(cutoff)) {
            Watch watch = watching.removeFirst().watch();
            int status = sip.resubscribe(watch, 0);
            if (status != 200) {
                throw new AssertionError("un-SUBSCRIBE answered " + status);
            }
        }
    }

    private static String xmppUserAsSip(XmppUser user) {
        return "sip:" + user.jid().substring(0, user.jid().indexOf('@')) + "@" + XMPP_USERS_SIP_DOMAIN;
    }

    /** One line for the report. */
    String summary() {
        return String.format(Locale.ROOT, "bridge steps completed %,d, failed %,d%s", completed(), failed(),
                firstFailures().isEmpty() ? "" : " (first: " + String.join("; ", firstFailures()) + ")");
    }

    /** Stops the cycles, then the peers; a second call does nothing. */
    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        for (XmppUser user : users) {
            user.close();
        }
        sip.close();
        prosody.close();
    }
}
