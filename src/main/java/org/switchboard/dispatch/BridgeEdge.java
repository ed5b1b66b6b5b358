package org.switchboard.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import javax.servlet.sip.Proxy;
import javax.servlet.sip.ServletParseException;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;
import javax.servlet.sip.SipSession;
import javax.servlet.sip.SipURI;
import javax.servlet.sip.TooManyHopsException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.bridge.AddressMapping;
import org.switchboard.bridge.BareJid;
import org.switchboard.bridge.PresenceBridge;
import org.switchboard.bridge.SipFollowing;
import org.switchboard.bridge.SipWatchers;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.endpoint.SipUri;
import org.switchboard.presence.PresenceDocuments;
import org.switchboard.presence.view.PresenceViewListener;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.ViewMode;
import org.switchboard.subscription.DialogData;

/**
 * The SIP edge of the XMPP bridge: the endpoint that requests to the XMPP users' SIP domain are dispatched to.
 * It answers SUBSCRIBEs to XMPP users (the bridge decides), sends the NOTIFYs of those dialogs, and opens the
 * outgoing subscriptions of XMPP users, each from the XMPP user's own SIP address.
 */
final class BridgeEdge implements EndpointBehavior, SipWatchers, SipFollowing {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeEdge.class);
    /** While no pool member runs the bridge (one died, another takes over within its lease). */
    private static final int RETRY_AFTER_SECONDS = 5;

    private final AddressMapping mapping;
    private final Supplier<PresenceBridge> bridge;
    private final Supplier<Optional<String>> bridgeElsewhere;
    private final Map<Watch, SipSession> dialogs = new ConcurrentHashMap<>();
    private volatile HostedEndpoint endpoint;
    private volatile EndpointHost host;

    BridgeEdge(AddressMapping mapping, Supplier<PresenceBridge> bridge, Supplier<Optional<String>> bridgeElsewhere) {
        this.mapping = mapping;
        this.bridge = bridge;
        this.bridgeElsewhere = bridgeElsewhere;
    }

    void attach(HostedEndpoint self, EndpointHost owner) {
        this.endpoint = self;
        this.host = owner;
    }

    @Override
    public void onRequest(InboundRequest inbound) throws IOException {
        SipServletRequest request = ((SipInboundRequest) inbound).raw();
        switch (request.getMethod()) {
            case "SUBSCRIBE" -> subscribe(request);
            case "OPTIONS" -> inbound.reply(200);
            default -> inbound.replyMethodNotAllowed("SUBSCRIBE", "OPTIONS");
        }
    }

    private void subscribe(SipServletRequest request) throws IOException {
        String event = request.getHeader("Event");
        if (event == null || !event.trim().toLowerCase(Locale.ROOT).startsWith("presence")) {
            SipServletResponse response = request.createResponse(489, "Bad Event");
            response.setHeader("Allow-Events", "presence");
            response.send();
            return;
        }
        SipUri to = SipUri.parse(request.getTo().getURI().toString());
        Optional<BareJid> xmppUser = mapping.xmppUserOf(to);
        if (xmppUser.isEmpty()) {
            request.createResponse(404, "Not Found: not an XMPP user's address").send();
            return;
        }
        Aor watcher = Aor.of(SipUri.parse(request.getFrom().getURI().toString()));
        if (mapping.componentAddressOf(watcher).isEmpty()) {
            request.createResponse(403, "Forbidden: only users of " + mapping.sipDomain() + " can watch XMPP users").send();
            return;
        }
        Watch watch = new Watch(watcher, xmppUser.get());
        int asked = request.getExpires();
        Duration requested = asked < 0 ? Duration.ofDays(365) : Duration.ofSeconds(asked); // absent: the most the bridge grants
        PresenceBridge rules = bridge.get();
        if (rules == null) {
            toTheBridgesMember(request);
            return;
        }
        if (request.isInitial() && request.getTo().getParameter("tag") != null) {
            // A refresh or un-SUBSCRIBE in a dialog the container does not know: one opened before a restart. Restcomm routes
            // it as initial (JSR 289 Appendix B says 481); a 2xx here would make a dialog under the old To tag, whose
            // application-server part died with the old process, and the container answers the next request in it 500
            // without asking the application. So 481, and the SIP side subscribes anew (RFC 6665 §4.1.2.2).
            request.createResponse(481, "Subscription Does Not Exist").send();
            rules.sipDialogUnknown(watch, requested.isZero());
            return;
        }
        PresenceBridge.Admission admission = rules.admit(watch, requested);
        if (admission instanceof PresenceBridge.Admission.Refused refused) {
            request.createResponse(refused.status(), refused.reason()).send();
            return;
        }
        Duration granted = ((PresenceBridge.Admission.Accepted) admission).expires();
        SipServletResponse ok = request.createResponse(200, "OK");
        ok.setExpires((int) granted.toSeconds());
        host.contacts().writeResponseContact(ok, endpoint);
        SipSession session = request.getSession();
        request.getApplicationSession().setExpires((int) Math.max(3, granted.toMinutes() + 2));
        if (granted.isZero()) {
            // The end of the subscription: its final NOTIFY goes out now, on this thread, while the dialog certainly
            // lives (RFC 6665 §4.2.1.4); the bridge only does its bookkeeping.
            dialogs.remove(watch, session);
            ok.send();
            sendNotify(session, watch, Notice.terminated(""));
        } else {
            SipSession previous = dialogs.put(watch, session);
            if (previous != null && previous != session) {
                invalidate(previous); // a new dialog replaces the old one
            }
            ok.send();
        }
        rules.sipSubscribed(watch, granted, dialogOf(request, ok));
    }

    /**
     * In a pool, the bridge runs on the member that holds its lease: a SUBSCRIBE to an XMPP user is proxied there
     * (Request-URI unchanged, no Record-Route: the dialog is between the watcher and that member). So is a refresh in a
     * dialog this container does not know — the dispatcher hashes on the Call-ID, so a watcher's refreshes reach the
     * member its first SUBSCRIBE reached, and the bridge's member knows the dialog (or answers 481 if it took the bridge
     * over since). A SUBSCRIBE in a dialog this member holds (the bridge ran here before) gets 481, so the watcher
     * subscribes anew and reaches the bridge's member.
     */
    private void toTheBridgesMember(SipServletRequest request) throws IOException {
        if (!request.isInitial()) {
            request.createResponse(481, "Subscription Does Not Exist").send();
            return;
        }
        Optional<String> member = bridgeElsewhere.get();
        if (member.isPresent()) {
            try {
                SipURI route = (SipURI) host.sipFactory().createURI(member.get());
                route.setLrParam(true);
                request.pushRoute(route);
                Proxy proxy = request.getProxy();
                proxy.setRecordRoute(false);
                proxy.setSupervised(false);
                proxy.proxyTo(request.getRequestURI());
                return;
            } catch (TooManyHopsException e) {
                request.createResponse(483, "Too Many Hops").send();
                return;
            } catch (ServletParseException | RuntimeException e) {
                LOG.warn("Bridge: cannot proxy a SUBSCRIBE to {} to the bridge's member {}: {}", request.getTo().getURI(), member.get(),
                        e.toString());
            }
        }
        SipServletResponse unavailable = request.createResponse(503, "Bridge Moving To Another Member");
        unavailable.setHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        unavailable.send();
    }

    private static DialogData dialogOf(SipServletRequest request, SipServletResponse ok) {
        List<String> routeSet = new ArrayList<>();
        ListIterator<String> records = request.getHeaders("Record-Route");
        while (records.hasNext()) {
            routeSet.add(records.next());
        }
        String contact = Optional.ofNullable(request.getHeader("Contact")).orElse("");
        return new DialogData(request.getCallId(), tag(ok.getTo().getParameter("tag")), tag(request.getFrom().getParameter("tag")),
                0, cseq(request.getHeader("CSeq")), routeSet, contact, Optional.empty());
    }

    private static String tag(String tag) {
        return tag == null ? "" : tag;
    }

    private static long cseq(String header) {
        try {
            return header == null ? 0 : Long.parseLong(header.trim().split("\\s+", 2)[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public boolean notify(Watch watch, Notice notice) {
        SipSession session = notice.state() == NoticeState.TERMINATED ? dialogs.remove(watch) : dialogs.get(watch);
        if (session == null || !session.isValid()) {
            return false;
        }
        return sendNotify(session, watch, notice);
    }

    private boolean sendNotify(SipSession session, Watch watch, Notice notice) {
        try {
            SipServletRequest notify = session.createRequest("NOTIFY");
            notify.setHeader("Event", "presence");
            notify.setHeader("Subscription-State", subscriptionState(notice));
            notify.setAddressHeader("Contact", host.contacts().address(endpoint));
            if (notice.pidf().isPresent()) {
                notify.setContent(notice.pidf().get().getBytes(StandardCharsets.UTF_8), PresenceDocuments.PIDF);
            }
            notify.send();
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Bridge: cannot send NOTIFY to {} for {}: {}", watch.sipWatcher(), watch.xmppUser(), e.toString());
            return false;
        }
    }

    private static String subscriptionState(Notice notice) {
        return switch (notice.state()) {
            case PENDING -> "pending;expires=" + notice.remaining().toSeconds();
            case ACTIVE -> "active;expires=" + notice.remaining().toSeconds();
            case TERMINATED -> notice.reason().isEmpty() ? "terminated" : "terminated;reason=" + notice.reason();
        };
    }

    private static void invalidate(SipSession session) {
        try {
            if (session.isValid()) {
                session.getApplicationSession().invalidate();
            }
        } catch (IllegalStateException e) {
            // already gone
        }
    }

    @Override
    public void forgetAll() {
        dialogs.clear();
    }

    @Override
    public RemotePresenceView open(Aor subscriberAddress, PresenceViewListener listener) {
        return host.newPresenceViewAs(endpoint, subscriberAddress, ViewMode.PERSISTENT, listener);
    }
}
