package org.switchboard.dispatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.servlet.ServletException;
import javax.servlet.sip.SipApplicationSession;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;
import javax.servlet.sip.SipSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceDocuments;
import org.switchboard.presence.view.NotifyState;
import org.switchboard.presence.view.PresenceBody;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.SubscribeSender;

/**
 * The SIP edge of one presence view: SUBSCRIBE {@code Event: presence} from the view's endpoint (From its
 * AOR, Contact its GRUU, through the Front End pool's next hop when one is configured), one SIP dialog per
 * subscription dialog of the view. Answers come back through {@link DispatcherServlet#doResponse}, NOTIFYs
 * through {@link #handleNotify}.
 */
final class SipSubscriber implements SubscribeSender {

    private static final Logger LOG = LoggerFactory.getLogger(SipSubscriber.class);
    /** On each SUBSCRIBE sent: who waits for its answer. */
    static final String ATTEMPT = SipSubscriber.class.getName() + ".attempt";
    /** On each subscription's SIP session: whose NOTIFYs arrive on it. */
    static final String DIALOG = SipSubscriber.class.getName() + ".dialog";
    private static final String ACCEPT = PresenceDocuments.PIDF + ", " + PresenceDocuments.MS_CATEGORIES;

    private final SipFactory factory;
    private final HostedEndpoint from;
    /** Whom the SUBSCRIBEs are from: the endpoint's AOR, or the address it subscribes for (the bridge's XMPP users). */
    private final Aor subscriber;
    private final EndpointHost host;
    private final RemotePresenceView.Wire wire;
    private final Map<Aor, Dialog> dialogs = new ConcurrentHashMap<>();
    /** Sessions to invalidate once the message being handled on this thread is done with. */
    private static final ThreadLocal<List<SipSession>> HANDLING = new ThreadLocal<>();

    private record Dialog(long number, SipSession session) {
    }

    /** Who waits for the answer to one SUBSCRIBE. */
    record Attempt(SipSubscriber subscriber, Aor target, long requestId) {
    }

    /** Whose NOTIFYs arrive on a SIP session. */
    record DialogOwner(SipSubscriber subscriber, Aor target, long number) {
    }

    SipSubscriber(SipFactory factory, HostedEndpoint from, Aor subscriber, EndpointHost host, RemotePresenceView.Wire wire) {
        this.factory = factory;
        this.from = from;
        this.subscriber = subscriber;
        this.host = host;
        this.wire = wire;
    }

    @Override
    public void subscribe(Aor target, long dialog, Duration expires, long requestId) {
        try {
            SipServletRequest request = requestOn(target, dialog);
            request.setHeader("Event", "presence");
            request.setHeader("Accept", ACCEPT);
            request.setExpires((int) Math.min(Integer.MAX_VALUE, expires.toSeconds()));
            request.setAttribute(ATTEMPT, new Attempt(this, target, requestId));
            // The application session must outlive the subscription; refreshes extend it.
            request.getApplicationSession().setExpires((int) Math.max(3, expires.toMinutes() + 2));
            request.send();
        } catch (IOException | ServletException | RuntimeException e) {
            LOG.warn("Cannot send SUBSCRIBE from {} to {}: {}", from.name(), target, e.toString());
            wire.onResponse(target, requestId, 503, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    /** Inside the dialog when it is the one asked for and still alive; otherwise a new dialog, a new Call-ID. */
    private SipServletRequest requestOn(Aor target, long number) throws ServletException {
        Dialog current = dialogs.get(target);
        if (current != null && current.number() == number && current.session().isValid()
                && current.session().getState() == SipSession.State.CONFIRMED) {
            return current.session().createRequest("SUBSCRIBE");
        }
        if (current != null && current.number() != number) {
            forget(current);
        }
        SipApplicationSession application = factory.createApplicationSession();
        SipServletRequest request = factory.createRequest(application, "SUBSCRIBE",
                factory.createAddress(subscriber.uri().toString()), factory.createAddress(target.uri().toString()));
        request.setAddressHeader("Contact", host.contacts().address(from));
        host.routeViaNextHop(request);
        request.getSession().setAttribute(DIALOG, new DialogOwner(this, target, number));
        dialogs.put(target, new Dialog(number, request.getSession()));
        return request;
    }

    /**
     * Lets go of a dialog the view has moved on from. While a NOTIFY or an answer is being handled, the
     * session it arrived on may be the one let go (a NOTIFY that ends the subscription makes the view
     * subscribe anew at once), so invalidation waits until that message is done with.
     */
    private static void forget(Dialog old) {
        List<SipSession> deferred = HANDLING.get();
        if (deferred != null) {
            deferred.add(old.session());
        } else {
            invalidate(old.session());
        }
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

    /** Runs {@code work} for one incoming message; dialogs let go meanwhile are invalidated after it. */
    private static void handling(IoWork work) throws IOException {
        List<SipSession> deferred = new ArrayList<>();
        HANDLING.set(deferred);
        try {
            work.run();
        } finally {
            HANDLING.remove();
            deferred.forEach(SipSubscriber::invalidate);
        }
    }

    @FunctionalInterface
    private interface IoWork {
        void run() throws IOException;
    }

    /** The final answer to a SUBSCRIBE this subscriber sent (a transaction timeout arrives as a 408). */
    void handleResponse(Attempt attempt, SipServletResponse response) {
        try {
            handling(() -> answer(attempt, response));
        } catch (IOException e) {
            LOG.warn("Cannot handle the answer to SUBSCRIBE for {}: {}", attempt.target(), e.toString());
        }
    }

    private void answer(Attempt attempt, SipServletResponse response) {
        int status = response.getStatus();
        Optional<Duration> expires = seconds(response.getHeader("Expires"));
        Optional<Duration> minExpires = seconds(response.getHeader("Min-Expires"));
        Optional<Duration> retryAfter = seconds(response.getHeader("Retry-After"));
        wire.onResponse(attempt.target(), attempt.requestId(), status, expires, minExpires, retryAfter, body(response.getContentType(),
                rawContent(response)));
        if (status < 300) {
            FinishedTransactions.release(response);
        } else {
            Dialog dialog = dialogs.get(attempt.target());
            if (dialog != null && dialog.session() == response.getSession() && dialog.session().isValid()
                    && dialog.session().getState() != SipSession.State.CONFIRMED) {
                dialogs.remove(attempt.target(), dialog);
                forget(dialog);
            }
        }
    }

    /** A NOTIFY on one of this subscriber's dialogs: 200 when it belongs to a live subscription, 481 otherwise. */
    void handleNotify(DialogOwner owner, SipServletRequest notify) throws IOException {
        handling(() -> onNotify(owner, notify));
    }

    private void onNotify(DialogOwner owner, SipServletRequest notify) throws IOException {
        String event = notify.getHeader("Event");
        if (event == null || !event.trim().toLowerCase(java.util.Locale.ROOT).startsWith("presence")) {
            notify.createResponse(489, "Bad Event").send();
            return;
        }
        NotifyState state;
        try {
            state = NotifyState.parse(notify.getHeader("Subscription-State"));
        } catch (IllegalArgumentException e) {
            notify.createResponse(400, "Bad Subscription-State").send();
            return;
        }
        boolean live = wire.onNotify(owner.target(), owner.number(), state, body(notify.getContentType(), rawContent(notify)));
        notify.createResponse(live ? 200 : 481, live ? "OK" : "Subscription Does Not Exist").send();
        if (live && !state.terminated()) {
            FinishedTransactions.release(notify);
        }
    }

    private static byte[] rawContent(javax.servlet.sip.SipServletMessage message) {
        try {
            return message.getRawContent();
        } catch (IOException e) {
            return null;
        }
    }

    private static Optional<PresenceBody> body(String contentType, byte[] content) {
        if (content == null || content.length == 0 || contentType == null) {
            return Optional.empty();
        }
        return Optional.of(new PresenceBody(contentType, new String(content, StandardCharsets.UTF_8)));
    }

    private static Optional<Duration> seconds(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String digits = header.trim().split("[^0-9]", 2)[0];
        try {
            return digits.isEmpty() ? Optional.empty() : Optional.of(Duration.ofSeconds(Long.parseLong(digits)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
