package org.switchboard.testing;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ReconnectionManager;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.roster.Roster.SubscriptionMode;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jxmpp.jid.BareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;

/**
 * A real XMPP user (Smack over plain TCP) logged in to a {@link TestProsody}: connects to 127.0.0.1 and the
 * c2s port only (the host address is set, so the domain is never looked up in DNS), answers nothing by
 * itself (the roster's subscription mode is manual), and records every presence stanza it receives, in
 * order, for the test to await and assert on. Reconnects by itself after the server goes away.
 */
public final class XmppUser implements AutoCloseable {

    private static final long POLL_MILLIS = 20;

    static {
        Roster.setDefaultSubscriptionMode(SubscriptionMode.manual);
    }

    private final String user;
    private final XMPPTCPConnection connection;
    private final Roster roster;
    private final List<Presence> received = new ArrayList<>();
    private final List<Boolean> consumed = new ArrayList<>();

    private XmppUser(String user, XMPPTCPConnection connection) {
        this.user = user;
        this.connection = connection;
        this.roster = Roster.getInstanceFor(connection);
        roster.setSubscriptionMode(SubscriptionMode.manual);
        connection.addAsyncStanzaListener(this::record, StanzaTypeFilter.PRESENCE);
    }

    /**
     * Connects and logs in {@code user@prosody.xmppDomain()} (registered beforehand with
     * {@link TestProsody#register}), sending the initial available presence.
     */
    public static XmppUser login(TestProsody prosody, String user, String password) throws Exception {
        XMPPTCPConnectionConfiguration config = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(prosody.xmppDomain())
                .setHostAddress(InetAddress.getLoopbackAddress())
                .setPort(prosody.c2sPort())
                .setUsernameAndPassword(user, password)
                .setResource("test")
                .setSecurityMode(SecurityMode.disabled)
                .setConnectTimeout(5000)
                .setSendPresence(true)
                .build();
        XMPPTCPConnection connection = new XMPPTCPConnection(config);
        connection.setReplyTimeout(10_000);
        XmppUser xmppUser = new XmppUser(user, connection);
        ReconnectionManager reconnection = ReconnectionManager.getInstanceFor(connection);
        reconnection.setReconnectionPolicy(ReconnectionManager.ReconnectionPolicy.FIXED_DELAY);
        reconnection.setFixedDelay(1);
        reconnection.enableAutomaticReconnection();
        connection.connect().login();
        return xmppUser;
    }

    private void record(Stanza stanza) {
        synchronized (received) {
            received.add((Presence) stanza);
            consumed.add(false);
            received.notifyAll();
        }
    }

    /** {@code user@domain}, the bare JID. */
    public String jid() {
        return connection.getUser() != null ? connection.getUser().asBareJid().toString() : user;
    }

    public XMPPTCPConnection connection() {
        return connection;
    }

    public Roster roster() {
        return roster;
    }

    public boolean isAuthenticated() {
        return connection.isAuthenticated();
    }

    /** Waits until the connection is logged in again (after a server restart, for example). */
    public void awaitAuthenticated(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!connection.isAuthenticated()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(jid() + " was not logged in again within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    // ----- sending -----

    /** Sends {@code <presence type='subscribe'/>} to {@code jid} (Prosody adds the roster item with ask=subscribe). */
    public void subscribe(String jid) throws Exception {
        send(Presence.Type.subscribe, jid);
    }

    /** Approves a subscription request from {@code jid}: {@code <presence type='subscribed'/>}. */
    public void approve(String jid) throws Exception {
        send(Presence.Type.subscribed, jid);
    }

    /** Refuses a pending request, or cancels a subscription granted earlier: {@code <presence type='unsubscribed'/>}. */
    public void refuse(String jid) throws Exception {
        send(Presence.Type.unsubscribed, jid);
    }

    /** Ends this user's subscription to {@code jid}: {@code <presence type='unsubscribe'/>}. */
    public void unsubscribe(String jid) throws Exception {
        send(Presence.Type.unsubscribe, jid);
    }

    /** Broadcast available presence with {@code mode} (away, dnd, xa, chat or available) and a status text (may be null). */
    public void available(Presence.Mode mode, String status) throws Exception {
        var builder = connection.getStanzaFactory().buildPresenceStanza().ofType(Presence.Type.available).setMode(mode);
        if (status != null) {
            builder.setStatus(status);
        }
        connection.sendStanza(builder.build());
    }

    /** Broadcast unavailable presence (still logged in). */
    public void unavailable(String status) throws Exception {
        var builder = connection.getStanzaFactory().buildPresenceStanza().ofType(Presence.Type.unavailable);
        if (status != null) {
            builder.setStatus(status);
        }
        connection.sendStanza(builder.build());
    }

    private void send(Presence.Type type, String jid) throws Exception {
        Jid to = JidCreate.bareFrom(jid);
        connection.sendStanza(connection.getStanzaFactory().buildPresenceStanza().ofType(type).to(to).build());
    }

    // ----- receiving -----

    /**
     * The first presence stanza not awaited before, from {@code fromBareJid}, that matches {@code condition};
     * fails after {@code timeout}. Stanzas that do not match stay available for later awaits.
     */
    public Presence awaitPresence(String fromBareJid, Predicate<Presence> condition, Duration timeout) throws InterruptedException {
        Predicate<Presence> match = from(fromBareJid).and(condition);
        return take(match, timeout).orElseThrow(() -> new AssertionError(jid() + " received no presence from " + fromBareJid
                + " matching the condition within " + timeout + "; received: " + describe(received())));
    }

    /** The next available presence (type available) from {@code fromBareJid}. */
    public Presence awaitAvailable(String fromBareJid, Duration timeout) throws InterruptedException {
        return awaitPresence(fromBareJid, p -> p.getType() == Presence.Type.available, timeout);
    }

    /** The next stanza of {@code type} (subscribe, subscribed, unsubscribe, unsubscribed, unavailable, error ...) from {@code fromBareJid}. */
    public Presence awaitType(String fromBareJid, Presence.Type type, Duration timeout) throws InterruptedException {
        return awaitPresence(fromBareJid, p -> p.getType() == type, timeout);
    }

    /** A subscription request from {@code fromBareJid}. */
    public Presence awaitSubscriptionRequest(String fromBareJid, Duration timeout) throws InterruptedException {
        return awaitType(fromBareJid, Presence.Type.subscribe, timeout);
    }

    /**
     * Asserts that no presence stanza from {@code fromBareJid} matching {@code condition} arrives (or had
     * arrived without being awaited) during {@code period}.
     */
    public void assertNoPresence(String fromBareJid, Predicate<Presence> condition, Duration period) throws InterruptedException {
        Predicate<Presence> match = from(fromBareJid).and(condition);
        Optional<Presence> unexpected = take(match, period);
        if (unexpected.isPresent()) {
            throw new AssertionError(jid() + " received an unexpected presence from " + fromBareJid + ": " + unexpected.get().toXML());
        }
    }

    /** Every presence stanza received so far, in order, awaited or not. */
    public List<Presence> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** Forgets every presence stanza received so far (none is returned by later awaits). */
    public void discardReceived() {
        synchronized (received) {
            for (int i = 0; i < consumed.size(); i++) {
                consumed.set(i, true);
            }
        }
    }

    private Optional<Presence> take(Predicate<Presence> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (true) {
                for (int i = 0; i < received.size(); i++) {
                    if (!consumed.get(i) && match.test(received.get(i))) {
                        consumed.set(i, true);
                        return Optional.of(received.get(i));
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                received.wait(Math.max(1, Math.min(POLL_MILLIS, left / 1_000_000)));
            }
        }
    }

    private static Predicate<Presence> from(String bareJid) {
        return p -> {
            BareJid from = p.getFrom() == null ? null : p.getFrom().asBareJid();
            return from != null && from.toString().equalsIgnoreCase(bareJid);
        };
    }

    private static String describe(List<Presence> presences) {
        StringBuilder text = new StringBuilder();
        presences.forEach(p -> text.append("\n  ").append(p.toXML()));
        return text.toString();
    }

    /** Show and status, for assertions: {@code away/lunch}; the show of a plain available presence is {@code available}. */
    public static String showAndStatus(Presence presence) {
        return presence.getMode() + "/" + presence.getStatus();
    }

    @Override
    public void close() {
        ReconnectionManager.getInstanceFor(connection).disableAutomaticReconnection();
        connection.disconnect();
    }
}
