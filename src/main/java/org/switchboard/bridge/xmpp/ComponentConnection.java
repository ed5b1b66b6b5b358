package org.switchboard.bridge.xmpp;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.jivesoftware.whack.ExternalComponent;
import org.jivesoftware.whack.ExternalComponentManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.bridge.BareJid;
import org.switchboard.bridge.PresenceBridge;
import org.switchboard.bridge.XmppConnectionState;
import org.switchboard.bridge.XmppPresence;
import org.switchboard.bridge.XmppSender;
import org.switchboard.timing.Scheduler;
import org.xmpp.component.Component;
import org.xmpp.component.ComponentException;
import org.xmpp.component.ComponentManager;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;
import org.xmpp.packet.StreamError;

/**
 * The bridge's XEP-0114 component connection, through Ignite Realtime's Whack (the handshake and the stream) and
 * Tinder (stanzas, JIDs). This class keeps the connection alive on its own terms: a ping every few seconds finds a
 * stream the server closed, a lost or refused connection is tried again with doubling waits, and a refused secret is
 * logged once and shown as {@link XmppConnectionState#AUTHENTICATION_FAILED} rather than retried in a tight loop.
 * Stanzas are handled one at a time, in the order they arrive.
 */
public final class ComponentConnection implements XmppSender, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ComponentConnection.class);
    private static final String PING = "urn:xmpp:ping";
    /** The resource SIP users' presence is sent from. */
    private static final String RESOURCE = "sip";

    /** Where and who the component is. */
    public record Settings(String host, int port, String componentDomain, String secret, String xmppDomain, Duration reconnectInitial,
            Duration reconnectMax, Duration pingInterval) {
    }

    private final Settings settings;
    private final Scheduler scheduler;
    private final ExternalComponentManager manager;
    private volatile PresenceBridge bridge;
    private volatile XmppConnectionState state = XmppConnectionState.CONNECTING;
    private volatile Optional<String> lastProblem = Optional.empty();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong losses = new AtomicLong();
    /** Stanzas dropped since the connection was last up. */
    private final AtomicLong droppedWhileDown = new AtomicLong();

    // Guarded by this.
    private Link link;
    private Duration nextWait;
    private Scheduler.Cancellable timer;
    private long generation;
    private boolean closed;
    private boolean failureLogged;

    /** One live connection: Whack's component, the executor that hands its stanzas over in order, and its last ping. */
    private final class Link implements Component {
        final long number;
        final ExecutorService inbound = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "switchboard-xmpp-in");
            thread.setDaemon(true);
            return thread;
        });
        final ExternalComponent component = new ExternalComponent(this, manager, inbound);
        volatile String pingId;
        volatile boolean answered = true;
        volatile boolean ended;

        Link(long number) {
            this.number = number;
        }

        @Override
        public String getName() {
            return "switchboard";
        }

        @Override
        public String getDescription() {
            return "Switchboard SIP presence bridge";
        }

        @Override
        public void processPacket(Packet packet) {
            try {
                receive(this, packet);
            } catch (RuntimeException e) {
                LOG.warn("XMPP: cannot handle a stanza from {}", packet.getFrom(), e);
            }
        }

        @Override
        public void initialize(JID jid, ComponentManager componentManager) {
            // nothing to set up: the component's address is in the settings
        }

        @Override
        public void start() {
            // Whack starts reading; connected() follows in connect()
        }

        /** Whack calls this when it loses the connection (and again when the link is shut down). */
        @Override
        public void shutdown() {
            if (!ended) {
                lost(this, "the connection was lost");
            }
        }

        void end() {
            ended = true;
            try {
                component.shutdown(); // stops Whack's reader and its own reconnection loop, closes the socket
            } catch (RuntimeException e) {
                // already closed
            }
            inbound.shutdownNow();
        }
    }

    public ComponentConnection(Settings settings, Scheduler scheduler) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.nextWait = settings.reconnectInitial();
        this.manager = new ExternalComponentManager(settings.host(), settings.port());
        this.manager.setSecretKey(settings.componentDomain(), settings.secret());
        this.manager.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1000, settings.pingInterval().toMillis())));
    }

    /** Starts connecting; stanzas received go to {@code target}. */
    public synchronized void start(PresenceBridge target) {
        this.bridge = target;
        timer = scheduler.schedule(Duration.ZERO, this::connect);
    }

    public XmppConnectionState state() {
        return state;
    }

    /** Why the connection is not up, when it is not. */
    public Optional<String> lastProblem() {
        return lastProblem;
    }

    public long connects() {
        return connects.get();
    }

    public long losses() {
        return losses.get();
    }

    private void connect() {
        Link attempt;
        synchronized (this) {
            timer = null;
            if (closed) {
                return;
            }
            attempt = new Link(++generation);
        }
        try {
            attempt.component.connect(settings.host(), settings.port(), settings.componentDomain(), false);
            attempt.component.initialize(new JID(null, settings.componentDomain(), null), manager);
            attempt.component.start();
        } catch (ComponentException | RuntimeException e) {
            attempt.end();
            failed(e);
            return;
        }
        synchronized (this) {
            if (closed) {
                attempt.end();
                return;
            }
            link = attempt;
            nextWait = settings.reconnectInitial();
            failureLogged = false;
            state = XmppConnectionState.CONNECTED;
            lastProblem = Optional.empty();
            connects.incrementAndGet();
            timer = scheduler.schedule(settings.pingInterval(), () -> ping(attempt));
        }
        long dropped = droppedWhileDown.getAndSet(0);
        LOG.info("XMPP: connected to {}:{} as component {}{}", settings.host(), settings.port(), settings.componentDomain(),
                dropped == 0 ? "" : "; " + dropped + " stanzas were dropped while disconnected, replaying from the subscription records");
        PresenceBridge target = bridge;
        if (target != null) {
            target.xmppConnected(); // after every connection, the first and each reconnection: the bridge replays
        }
    }

    private void failed(Exception e) {
        StreamError error = e instanceof ComponentException ce ? ce.getStreamError() : null;
        boolean refused = error != null && (error.getCondition() == StreamError.Condition.not_authorized
                || error.getCondition() == StreamError.Condition.host_unknown);
        String problem = refused
                ? "the server refused the component '" + settings.componentDomain() + "' (" + error.getCondition().toXMPP()
                        + "): check bridge.component-secret and bridge.component-domain"
                : "cannot connect to " + settings.host() + ":" + settings.port() + ": " + rootMessage(e);
        synchronized (this) {
            if (closed) {
                return;
            }
            XmppConnectionState now = refused ? XmppConnectionState.AUTHENTICATION_FAILED : XmppConnectionState.DISCONNECTED;
            boolean changed = now != state || !failureLogged;
            state = now;
            lastProblem = Optional.of(problem);
            Duration wait = refused ? settings.reconnectMax() : nextWait;
            if (changed) {
                if (refused) {
                    LOG.error("XMPP: {}; trying again every {} s", problem, wait.toSeconds());
                } else {
                    LOG.warn("XMPP: {}; trying again with waits from {} s up to {} s", problem, wait.toSeconds(),
                            settings.reconnectMax().toSeconds());
                }
                failureLogged = true;
            } else {
                LOG.debug("XMPP: {}; next attempt in {} s", problem, wait.toSeconds());
            }
            nextWait = doubled(nextWait);
            timer = scheduler.schedule(wait, this::connect);
        }
    }

    private void lost(Link which, String why) {
        synchronized (this) {
            if (closed || link != which) {
                return;
            }
            link = null;
            if (timer != null) {
                timer.cancel();
            }
            state = XmppConnectionState.DISCONNECTED;
            lastProblem = Optional.of(why);
            losses.incrementAndGet();
            failureLogged = true;
            LOG.warn("XMPP: {}; connecting again in {} s", why, nextWait.toSeconds());
            timer = scheduler.schedule(nextWait, this::connect);
            nextWait = doubled(nextWait);
        }
        which.end();
    }

    /** A ping to the server every interval; no answer by the next one means the stream is gone. */
    private void ping(Link which) {
        synchronized (this) {
            timer = null;
            if (closed || link != which) {
                return;
            }
            if (!which.answered) {
                scheduler.schedule(Duration.ZERO, () -> lost(which, "the server did not answer a ping"));
                return;
            }
            timer = scheduler.schedule(settings.pingInterval(), () -> ping(which));
        }
        IQ ping = new IQ(IQ.Type.get);
        ping.setFrom(settings.componentDomain());
        ping.setTo(settings.xmppDomain());
        ping.setChildElement("ping", PING);
        which.answered = false;
        which.pingId = ping.getID();
        which.component.send(ping);
    }

    private Duration doubled(Duration wait) {
        Duration twice = wait.multipliedBy(2);
        return twice.compareTo(settings.reconnectMax()) > 0 ? settings.reconnectMax() : twice;
    }

    // ---- Inbound ---------------------------------------------------------------------------------------------

    private void receive(Link from, Packet packet) {
        if (packet instanceof IQ iq) {
            receiveIq(from, iq);
            return;
        }
        PresenceBridge target = bridge;
        if (!(packet instanceof Presence presence) || target == null || packet.getFrom() == null || packet.getTo() == null
                || packet.getFrom().getNode() == null || packet.getTo().getNode() == null) {
            return; // messages, and presence to the component itself, are not bridged
        }
        BareJid sender;
        BareJid recipient;
        try {
            sender = new BareJid(packet.getFrom().getNode(), packet.getFrom().getDomain());
            recipient = new BareJid(packet.getTo().getNode(), packet.getTo().getDomain());
        } catch (IllegalArgumentException e) {
            return;
        }
        Presence.Type type = presence.getType();
        if (type == null || type == Presence.Type.unavailable) {
            String resource = Optional.ofNullable(packet.getFrom().getResource()).orElse("");
            target.xmppPresence(sender, resource, recipient, StanzaMapping.toPresence(presence));
            return;
        }
        switch (type) {
            case subscribe -> target.xmppSubscribe(sender, recipient);
            case unsubscribe -> target.xmppUnsubscribe(sender, recipient);
            case subscribed -> target.xmppSubscribed(sender, recipient);
            case unsubscribed -> target.xmppUnsubscribed(sender, recipient);
            case probe -> target.xmppProbe(sender, recipient);
            default -> LOG.debug("XMPP: presence error from {}: {}", sender, presence.getError());
        }
    }

    private void receiveIq(Link from, IQ iq) {
        if (iq.getType() == IQ.Type.result || iq.getType() == IQ.Type.error) {
            if (iq.getID() != null && iq.getID().equals(from.pingId)) {
                from.answered = true; // any answer, even "not supported", shows the stream is alive
            }
            return;
        }
        IQ reply = IQ.createResultIQ(iq);
        boolean ping = iq.getType() == IQ.Type.get && iq.getChildElement() != null
                && PING.equals(iq.getChildElement().getNamespaceURI());
        if (!ping) {
            reply.setChildElement(iq.getChildElement() == null ? null : iq.getChildElement().createCopy());
            reply.setError(PacketError.Condition.service_unavailable);
        }
        from.component.send(reply);
    }

    // ---- Outbound --------------------------------------------------------------------------------------------

    @Override
    public void subscribe(BareJid from, BareJid to) {
        send(StanzaMapping.subscription(Presence.Type.subscribe, from, to));
    }

    @Override
    public void subscribed(BareJid from, BareJid to) {
        send(StanzaMapping.subscription(Presence.Type.subscribed, from, to));
    }

    @Override
    public void unsubscribed(BareJid from, BareJid to) {
        send(StanzaMapping.subscription(Presence.Type.unsubscribed, from, to));
    }

    @Override
    public void probe(BareJid from, BareJid to) {
        send(StanzaMapping.subscription(Presence.Type.probe, from, to));
    }

    @Override
    public void presence(BareJid from, BareJid to, XmppPresence presence) {
        send(StanzaMapping.fromPresence(from, RESOURCE, to, presence));
    }

    /**
     * Sends on the live connection. While there is none, the stanza is dropped, logged with what brings it back: the
     * bridge replays from its subscription records after each connection ({@link PresenceBridge#xmppConnected()}).
     */
    private void send(Packet packet) {
        Link current;
        synchronized (this) {
            current = link;
        }
        if (current == null) {
            droppedWhileDown.incrementAndGet();
            // Presence updates can come by the thousand during an outage: DEBUG for them (the reconnect line counts
            // every drop), INFO for the few subscription stanzas.
            String line = "XMPP: not connected; dropped {} from {} to {} ({})";
            if (isPresenceUpdate(packet)) {
                LOG.debug(line, kind(packet), packet.getFrom(), packet.getTo(), replayedBy(packet));
            } else {
                LOG.info(line, kind(packet), packet.getFrom(), packet.getTo(), replayedBy(packet));
            }
            return;
        }
        current.component.send(packet);
    }

    private static boolean isPresenceUpdate(Packet packet) {
        Presence.Type type = packet instanceof Presence presence ? presence.getType() : null;
        return type == null || type == Presence.Type.unavailable;
    }

    private static String kind(Packet packet) {
        Presence.Type type = packet instanceof Presence presence ? presence.getType() : null;
        return type == null ? "presence" : type.name();
    }

    /** What sends a dropped stanza's content again: the replay of PresenceBridge#xmppConnected, or nothing. */
    private static String replayedBy(Packet packet) {
        Presence.Type type = packet instanceof Presence presence ? presence.getType() : null;
        if (type == null || type == Presence.Type.unavailable) {
            return "the last presence of an active outgoing subscription is sent again on reconnect";
        }
        return switch (type) {
            case subscribe -> "sent again on reconnect while the incoming subscription is pending";
            case subscribed -> "sent again on reconnect for the active outgoing subscription";
            case probe -> "sent again on reconnect for the active incoming subscription";
            default -> "not replayed: its subscription record is gone";
        };
    }

    @Override
    public void close() {
        Link current;
        synchronized (this) {
            closed = true;
            current = link;
            link = null;
            if (timer != null) {
                timer.cancel();
            }
            state = XmppConnectionState.DISCONNECTED;
        }
        if (current != null) {
            current.end();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
