package org.switchboard.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.ServletParseException;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipSession;
import javax.servlet.sip.SipURI;
import javax.servlet.sip.SipServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.bridge.AddressMapping;
import org.switchboard.bridge.PresenceBridge;
import org.switchboard.bridge.SipFollowing;
import org.switchboard.bridge.SipWatchers;
import org.switchboard.config.ConfigException;
import org.switchboard.config.ConfigLoader;
import org.switchboard.config.EndpointSettings;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.dispatch.routing.ConversationRegistry;
import org.switchboard.dispatch.routing.DispatchCounts;
import org.switchboard.dispatch.routing.EndpointRef;
import org.switchboard.dispatch.routing.IncomingRequest;
import org.switchboard.dispatch.routing.Router;
import org.switchboard.dispatch.routing.RoutingDecision;
import org.switchboard.dispatch.routing.RoutingTable;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.SipUri;
import org.switchboard.presence.PresenceStore;
import org.switchboard.presence.view.PresenceViewListener;
import org.switchboard.presence.view.PresenceViews;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.ViewMode;
import org.switchboard.registration.Registrations;
import org.switchboard.timing.Scheduler;

/**
 * The endpoints of this platform and the dispatch of every incoming request to one of them: the
 * routing rules decide (plain Java, {@link Router}); this class carries the decision out on the wire.
 */
public final class EndpointHost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EndpointHost.class);
    /** The name (and the AOR's user part) of the XMPP bridge's endpoint. */
    public static final String BRIDGE_NAME = "xmpp-bridge";

    private final RoutingTable table = new RoutingTable();
    private final ConversationRegistry conversations;
    private final Router router;
    private final DispatchCounts counts = new DispatchCounts();
    // Keyed by the endpoint's unique name: a String caches its hash, a record recomputes it per request.
    private final Map<String, HostedEndpoint> endpoints = new ConcurrentHashMap<>();
    private final ContactWriter contacts;
    private final EndpointBeans beans;
    private final SipFactory sipFactory;
    private final PresenceStore presence;
    private final PresenceViews views;
    private final Optional<SipUri> nextHop;
    /** Fallback timeouts of the requests endpoints send; null on a platform that sends none. */
    private final Scheduler answerTimers;
    /** Why this instance should get no new work now (empty: it should); see {@link #readiness}. */
    private volatile Supplier<Optional<String>> readiness = Optional::empty;

    private EndpointHost(Clock clock, SwitchboardConfig config, EndpointBeans beans, SipFactory sipFactory, PresenceStore presence,
            PresenceViews views, Scheduler answerTimers) {
        this.conversations = new ConversationRegistry(clock,
                Duration.ofSeconds(config.dispatch().conversationIdleSeconds()), config.dispatch().conversationMaxEntries());
        this.router = new Router(table, conversations);
        this.beans = beans;
        this.sipFactory = sipFactory;
        this.contacts = new ContactWriter(sipFactory);
        this.presence = presence;
        this.views = views;
        this.nextHop = config.topology().nextHopPool().map(pool -> SipUri.parse(pool.nextHop()));
        this.answerTimers = answerTimers;
    }

    /**
     * Creates every configured endpoint from its bean and starts it. A bean that does not exist, or
     * settings it refuses, stop start-up with a {@link ConfigException} naming the key.
     */
    public static EndpointHost start(Path configFile, SwitchboardConfig config, EndpointBeans beans, SipFactory sipFactory, Clock clock) {
        return start(configFile, config, beans, sipFactory, clock, null, null);
    }

    /** As above, with the platform's presence store and presence views for the endpoints to use ({@code null}: none). */
    public static EndpointHost start(Path configFile, SwitchboardConfig config, EndpointBeans beans, SipFactory sipFactory, Clock clock,
            PresenceStore presence, PresenceViews views) {
        return start(configFile, config, beans, sipFactory, clock, presence, views, null);
    }

    /**
     * As above; with {@code registration.enabled}, every user endpoint marked {@code register: true} registers
     * through {@code registrations} ({@code null}: none registers).
     */
    public static EndpointHost start(Path configFile, SwitchboardConfig config, EndpointBeans beans, SipFactory sipFactory, Clock clock,
            PresenceStore presence, PresenceViews views, Registrations registrations) {
        return start(configFile, config, beans, sipFactory, clock, presence, views, registrations, null);
    }

    /** As above; {@code answerTimers} runs the fallback timeouts of the requests endpoints send ({@code null}: they send none). */
    public static EndpointHost start(Path configFile, SwitchboardConfig config, EndpointBeans beans, SipFactory sipFactory, Clock clock,
            PresenceStore presence, PresenceViews views, Registrations registrations, Scheduler answerTimers) {
        EndpointHost host = new EndpointHost(clock, config, beans, sipFactory, presence, views, answerTimers);
        ConfigLoader binder = new ConfigLoader();
        List<EndpointSettings> list = config.endpoints();
        try {
            for (int i = 0; i < list.size(); i++) {
                EndpointSettings settings = list.get(i);
                String at = "endpoints[" + i + "]";
                Aor owner = Aor.parse(settings.aor());
                for (int instance = 1; instance <= settings.poolSize(); instance++) {
                    String name = instance == 1 ? settings.effectiveName() : settings.effectiveName() + "#" + instance;
                    EndpointRef ref = settings.kind() == EndpointSettings.Kind.USER
                            ? EndpointRef.user(name, owner, new EndpointId(settings.epid()))
                            : EndpointRef.application(name, owner);
                    EndpointBehavior behavior;
                    try {
                        behavior = beans.create(settings.bean());
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException(configFile, at + ".bean", "no endpoint bean named '" + settings.bean()
                                + "' (available: " + String.join(", ", new TreeSet<>(beans.names())) + ")");
                    }
                    HostedEndpoint endpoint = new HostedEndpoint(ref, behavior, settings.settings(),
                            new HostedEndpoint.SettingsBinder() {
                                @Override
                                public <T> T bind(JsonNode node, Class<T> type) {
                                    return binder.bindSection(configFile, at + ".settings", node, type);
                                }
                            },
                            host::newRequest, host::presenceStore, host.viewsFor());
                    host.add(endpoint, settings.isDefaultRouting() && instance == 1);
                    if (registrations != null && sipFactory != null && config.registration().enabled() && settings.registers()) {
                        registrations.add(endpoint.name(), endpoint.owner(), wire -> new SipRegistrar(sipFactory, endpoint, host, wire));
                    }
                }
            }
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        return host;
    }

    private void add(HostedEndpoint endpoint, boolean defaultRouting) {
        endpoint.behavior().start(endpoint);
        table.add(endpoint.ref());
        endpoints.put(endpoint.ref().name(), endpoint);
        if (defaultRouting) {
            table.setDefaultRoutingEndpoint(endpoint.ref());
        }
        LOG.info("Endpoint {} started{}", endpoint, defaultRouting ? " (default routing endpoint)" : "");
    }

    /** The hosted endpoints, for listings. */
    public List<EndpointRef> endpoints() {
        return table.endpoints();
    }

    /** Routes an incoming request and carries the decision out: deliver, default-route, or reject. */
    public void dispatch(SipServletRequest request) throws IOException {
        IncomingRequest facts;
        try {
            facts = WireRequests.toIncoming(request);
        } catch (IllegalArgumentException e) {
            counts.rejected(SipServletResponse.SC_BAD_REQUEST);
            request.createResponse(SipServletResponse.SC_BAD_REQUEST, "Bad Request: " + printable(e.getMessage())).send();
            return;
        }
        // The container finds no dialog for this request (it reaches the application as an initial request).
        RoutingDecision decision = request.isInitial()
                ? Router.outsideItsDialog(facts.method()).<RoutingDecision>map(r -> r).orElseGet(() -> router.route(facts))
                : router.route(facts);
        if ("OPTIONS".equals(request.getMethod()) && decision instanceof RoutingDecision.Rejected r
                && r.statusCode() == SipServletResponse.SC_NOT_FOUND) {
            counts.keepAlive();
        } else {
            counts.count(decision);
        }
        if (decision instanceof RoutingDecision.Delivered delivered) {
            deliver(request, facts, delivered.endpoint());
        } else if (decision instanceof RoutingDecision.DefaultRouted routed) {
            deliver(request, facts, routed.defaultEndpoint());
        } else if (decision instanceof RoutingDecision.Rejected rejected) {
            if ("OPTIONS".equals(request.getMethod()) && rejected.statusCode() == SipServletResponse.SC_NOT_FOUND) {
                KeepAlive.answer(request, notReady()); // a keep-alive to the platform itself, or a load balancer's probe
            } else {
                request.createResponse(rejected.statusCode(), rejected.reasonPhrase()).send();
            }
        }
    }

    /**
     * What decides whether this instance is ready for new work: while it is not, the keep-alive OPTIONS (a load
     * balancer's probe) is answered 503 with the reason; every other request is served as always.
     */
    public void readiness(Supplier<Optional<String>> check) {
        this.readiness = check;
    }

    /** Empty when ready for new work; else why not. */
    public Optional<String> notReady() {
        return readiness.get();
    }

    void redispatch(SipServletRequest request, IncomingRequest facts, Aor target) throws IOException {
        RoutingDecision decision = router.redispatch(facts, target);
        counts.count(decision);
        if (decision instanceof RoutingDecision.Delivered delivered) {
            deliver(request, facts, delivered.endpoint());
        } else if (decision instanceof RoutingDecision.Rejected rejected) {
            request.createResponse(rejected.statusCode(), rejected.reasonPhrase()).send();
        } else {
            request.createResponse(SipServletResponse.SC_SERVER_INTERNAL_ERROR, "Cannot redispatch").send();
        }
    }

    private void deliver(SipServletRequest request, IncomingRequest facts, EndpointRef ref) throws IOException {
        HostedEndpoint endpoint = endpoints.get(ref.name());
        if (endpoint == null || (endpoint.ref() != ref && !endpoint.ref().equals(ref))) { // removed meanwhile
            request.createResponse(SipServletResponse.SC_NOT_FOUND, "No matching endpoint").send();
            return;
        }
        try {
            endpoint.behavior().onRequest(new SipInboundRequest(request, facts, endpoint, this));
        } catch (IOException | RuntimeException e) {
            LOG.error("Endpoint {} failed on {} (Call-ID {})", endpoint.name(), request.getMethod(), request.getCallId(), e);
            if (!request.isCommitted()) {
                request.createResponse(SipServletResponse.SC_SERVER_INTERNAL_ERROR, "Endpoint failed").send();
            }
        }
    }

    SipFactory sipFactory() {
        return sipFactory;
    }

    ContactWriter contacts() {
        return contacts;
    }

    void learn(ConversationId conversation, HostedEndpoint endpoint) {
        conversations.remember(conversation, endpoint.ref());
    }

    private SipOutboundRequest newRequest(HostedEndpoint from, String method, SipUri target) {
        return SipOutboundRequest.outOfDialog(sipFactory, from, method, target, this, answerTimers());
    }

    /** A request of {@code from} inside the dialog of {@code session}. */
    SipOutboundRequest newRequestInDialog(SipSession session, HostedEndpoint from, String method) {
        return SipOutboundRequest.inDialog(session, from, method, this, answerTimers());
    }

    private Scheduler answerTimers() {
        if (answerTimers == null || sipFactory == null) {
            throw new IllegalStateException("this platform sends no requests");
        }
        return answerTimers;
    }

    private PresenceStore presenceStore() {
        if (presence == null) {
            throw new IllegalStateException("this platform has no presence store");
        }
        return presence;
    }

    private HostedEndpoint.Views viewsFor() {
        return new HostedEndpoint.Views() {
            @Override
            public RemotePresenceView create(HostedEndpoint owner, ViewMode mode, PresenceViewListener listener) {
                return newPresenceView(owner, mode, listener);
            }

            @Override
            public void refresh(HostedEndpoint owner) {
                if (views == null) {
                    throw new IllegalStateException("this platform has no presence views");
                }
                if (owner == null) {
                    views.refreshAll();
                } else {
                    views.refreshOwnedBy(owner.name());
                }
            }
        };
    }

    private RemotePresenceView newPresenceView(HostedEndpoint owner, ViewMode mode, PresenceViewListener listener) {
        if (views == null || sipFactory == null) {
            throw new IllegalStateException("this platform has no presence views");
        }
        if (views == null || sipFactory == null) {
            throw new IllegalStateException("this platform has no presence views");
        }
        return views.create(owner.name(), mode, listener, wire -> new SipSubscriber(sipFactory, owner, owner.owner(), this, wire));
    }

    /**
     * A presence view of {@code owner} whose SUBSCRIBEs are from {@code subscriber} (the bridge subscribes for XMPP users).
     * Its targets are not leased one by one: in a pool they are subscribed by the member that runs the bridge.
     */
    RemotePresenceView newPresenceViewAs(HostedEndpoint owner, Aor subscriber, ViewMode mode, PresenceViewListener listener) {
        if (views == null || sipFactory == null) {
            throw new IllegalStateException("this platform has no presence views");
        }
        return views.createUnleased(owner.name(), mode, listener, wire -> new SipSubscriber(sipFactory, owner, subscriber, this, wire));
    }

    /**
     * Hosts the XMPP bridge's endpoint ({@code sip:xmpp-bridge@} the XMPP users' SIP domain), to which every request to
     * that domain is dispatched. Returns its SIP edge: the dialogs of SIP users watching XMPP users, and the outgoing
     * subscriptions of XMPP users. {@code bridge} gives the running bridge, or null while the bridge runs on another pool
     * member, whose SIP address {@code bridgeElsewhere} gives (empty: on no member at the moment).
     */
    public BridgeSip hostBridge(AddressMapping mapping, Supplier<PresenceBridge> bridge, Supplier<Optional<String>> bridgeElsewhere) {
        BridgeEdge edge = new BridgeEdge(mapping, bridge, bridgeElsewhere);
        Aor owner = Aor.parse("sip:" + BRIDGE_NAME + "@" + mapping.xmppUsersSipDomain());
        HostedEndpoint endpoint = new HostedEndpoint(EndpointRef.application(BRIDGE_NAME, owner), edge,
                NullNode.getInstance(), new HostedEndpoint.SettingsBinder() {
                    @Override
                    public <T> T bind(JsonNode node, Class<T> type) {
                        throw new IllegalArgumentException("the bridge's endpoint has no settings");
                    }
                }, this::newRequest, this::presenceStore, viewsFor());
        edge.attach(endpoint, this);
        add(endpoint, false);
        table.setDomainEndpoint(mapping.xmppUsersSipDomain(), endpoint.ref());
        return new BridgeSip(edge, edge);
    }

    /** The bridge's SIP edge, as the platform wires it into the bridge. */
    public record BridgeSip(SipWatchers watchers, SipFollowing following) {
    }

    /**
     * Sends a new request of an endpoint through the Front End pool's next hop, when one is configured: a
     * loose Route, so the Request-URI still names the target.
     */
    void routeViaNextHop(SipServletRequest request) throws ServletParseException {
        if (nextHop.isPresent()) {
            SipURI route = (SipURI) sipFactory.createURI(nextHop.get().toString());
            route.setLrParam(true);
            request.pushRoute(route);
        }
    }

    /** What became of the requests dispatched since start. */
    public DispatchCounts counts() {
        return counts;
    }

    /** Which endpoints handle which conversation; its idle timeout is tunable at run time. */
    public ConversationRegistry conversations() {
        return conversations;
    }

    /** Forgets idle conversations; the platform calls it periodically. */
    public int purgeIdleConversations() {
        return conversations.purgeExpired();
    }

    @Override
    public void close() {
        for (HostedEndpoint endpoint : new ArrayList<>(endpoints.values())) {
            try {
                endpoint.behavior().stop();
            } catch (RuntimeException e) {
                LOG.warn("Endpoint {} failed to stop", endpoint.name(), e);
            }
            beans.release(endpoint.behavior());
        }
        endpoints.clear();
    }

    private static String printable(String message) {
        String text = Optional.ofNullable(message).orElse("malformed request").replaceAll("[\\p{Cntrl}]", "?");
        return text.length() > 100 ? text.substring(0, 100) : text;
    }
}
