package org.switchboard.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.EventHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.SubscriptionStateHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.switchboard.arquillian.FreePorts;

/**
 * A real SIP presence peer for the bridge tests (JAIN-SIP on 127.0.0.1 over UDP), playing both roles:
 * <ul>
 * <li><b>Presence server</b> for SIP users (the Front End next hop points here): every SUBSCRIBE is recorded;
 * by default a new one is answered 200 (its Expires, at most an hour) and followed by a NOTIFY
 * {@code active} with the presentity's current document ({@link #documentFor}), a refresh in a known
 * dialog likewise, and an {@code Expires: 0} with 200 and a NOTIFY {@code terminated}. The test sends
 * further NOTIFYs in a dialog with {@link #notify(String, String, String)}.</li>
 * <li><b>Watcher</b> (a SIP user subscribing to an XMPP user through the server under test):
 * {@link #subscribe} sends a SUBSCRIBE and keeps the dialog; every NOTIFY is answered 200 and recorded
 * for {@link #awaitNotify}; {@link #resubscribe} refreshes or ends ({@code Expires: 0}) in the dialog.</li>
 * </ul>
 * No dialog support of the stack is used: dialogs are kept here from the headers, so the test sees
 * exactly what crossed the wire.
 */
public final class SipPresencePeer implements SipListener, AutoCloseable {

    public static final String PIDF = "application/pidf+xml";
    private static final AtomicInteger STACKS = new AtomicInteger();
    private static final Duration TRANSACTION_WAIT = Duration.ofSeconds(10);

    private final int port;
    private final SipStack stack;
    private final SipProvider provider;
    /**
     * The watcher role sends its SUBSCRIBEs from a second stack: NIST's stack matches an incoming NOTIFY to a SUBSCRIBE
     * client transaction of its own and then holds it on that transaction's lock, which deadlocks when the NOTIFY races
     * the SUBSCRIBE's 200 (as RFC 6665 allows). NOTIFYs still come to the first stack (the Contact), unmatched.
     */
    private final SipStack watcherStack;
    private final SipProvider watcherProvider;
    private final int watcherPort;
    private final AddressFactory addresses;
    private final HeaderFactory headers;
    private final MessageFactory messages;
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "sip-presence-peer-notifier");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<ClientTransaction, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    private final AtomicLong tags = new AtomicLong(System.nanoTime());

    /** Dialogs where this peer is the presence server (notifier), by Call-ID. */
    private final Map<String, ServerDialog> served = new ConcurrentHashMap<>();
    /** Dialogs where this peer is the watcher (subscriber), by Call-ID. */
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();

    private final List<ReceivedSubscribe> subscribes = new ArrayList<>();
    private final List<Boolean> subscribesTaken = new ArrayList<>();
    private final List<ReceivedNotify> notifies = new ArrayList<>();
    private final List<Boolean> notifiesTaken = new ArrayList<>();

    private volatile boolean autoAnswer = true;
    private volatile Function<String, String> documents = SipPresencePeer::defaultDocument;

    private SipPresencePeer() throws Exception {
        this.port = FreePorts.udpAndTcp();
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        Properties properties = new Properties();
        properties.setProperty("javax.sip.STACK_NAME", "presence-peer-" + STACKS.incrementAndGet());
        properties.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        properties.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
        properties.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "4");
        properties.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "false");
        stack = factory.createSipStack(properties);
        ListeningPoint point = stack.createListeningPoint("127.0.0.1", port, ListeningPoint.UDP);
        provider = stack.createSipProvider(point);
        provider.addSipListener(this);
        Properties watcherProperties = (Properties) properties.clone();
        watcherProperties.setProperty("javax.sip.STACK_NAME", "presence-peer-" + STACKS.incrementAndGet() + "-watcher");
        watcherStack = factory.createSipStack(watcherProperties);
        watcherPort = FreePorts.udpAndTcp();
        watcherProvider = watcherStack.createSipProvider(watcherStack.createListeningPoint("127.0.0.1", watcherPort, ListeningPoint.UDP));
        watcherProvider.addSipListener(this);
        addresses = factory.createAddressFactory();
        headers = factory.createHeaderFactory();
        messages = factory.createMessageFactory();
        stack.start();
        watcherStack.start();
    }

    public static SipPresencePeer udp() throws Exception {
        return new SipPresencePeer();
    }

    public int port() {
        return port;
    }

    /** This peer as a Front End next hop, for {@code topology.front-end-pools[].next-hop}. */
    public String nextHop() {
        return "sip:127.0.0.1:" + port + ";transport=udp";
    }

    // ===================== presence server role =====================

    /** A SUBSCRIBE that reached this peer, as it came. */
    public record ReceivedSubscribe(Request request, String callId, String fromUri, String fromTag, String toUri, String toTag,
            String requestUri, int expires, Instant at) {

        /** Whether it came inside a dialog (a refresh or an unsubscribe) rather than opening one. */
        public boolean inDialog() {
            return toTag != null;
        }

        public String header(String name) {
            Header header = request.getHeader(name);
            return header == null ? null : header.toString().substring(header.toString().indexOf(':') + 1).trim();
        }
    }

    /** Whether new SUBSCRIBEs get 200 and a first NOTIFY by themselves (the default); when off, nothing is answered. */
    public void autoAnswer(boolean on) {
        this.autoAnswer = on;
    }

    /** The PIDF document the automatic first NOTIFY carries, by presentity URI ({@code sip:bob@example.com}). */
    public void documentFor(Function<String, String> documentByPresentity) {
        this.documents = documentByPresentity;
    }

    /** The first SUBSCRIBE not awaited before that matches; fails after {@code timeout}. */
    public ReceivedSubscribe awaitSubscribe(Predicate<ReceivedSubscribe> condition, Duration timeout) throws InterruptedException {
        return take(subscribes, subscribesTaken, condition, timeout).orElseThrow(() -> new AssertionError(
                "no matching SUBSCRIBE arrived within " + timeout + "; received: " + describeSubscribes()));
    }

    /** Every SUBSCRIBE received so far, awaited or not. */
    public List<ReceivedSubscribe> subscribes() {
        synchronized (subscribes) {
            return List.copyOf(subscribes);
        }
    }

    /** Asserts no SUBSCRIBE matching {@code condition} arrives (or had arrived unawaited) within {@code period}. */
    public void assertNoSubscribe(Predicate<ReceivedSubscribe> condition, Duration period) throws InterruptedException {
        Optional<ReceivedSubscribe> unexpected = take(subscribes, subscribesTaken, condition, period);
        if (unexpected.isPresent()) {
            throw new AssertionError("unexpected SUBSCRIBE:\n" + unexpected.get().request());
        }
    }

    /** Answers a SUBSCRIBE that arrived while automatic answers were off. */
    public void answer(ReceivedSubscribe subscribe, int status) throws Exception {
        ServerTransaction transaction = provider.getNewServerTransaction(subscribe.request());
        Response response = subscribeResponse(subscribe, status);
        transaction.sendResponse(response);
    }

    /**
     * Sends a NOTIFY in the dialog of the SUBSCRIBE with this Call-ID (this peer as presence server) with
     * {@code subscriptionState} (e.g. {@code active;expires=3600}) and a PIDF body (or none when null);
     * the final response's status.
     */
    public int notify(String callId, String subscriptionState, String pidf) throws Exception {
        ServerDialog dialog = served.get(callId);
        if (dialog == null) {
            throw new IllegalStateException("no subscription dialog with Call-ID " + callId);
        }
        return send(notifyRequest(dialog, subscriptionState, pidf), TRANSACTION_WAIT).getStatusCode();
    }

    /** As {@link #notify(String, String, String)}, without waiting for the answer (traffic towards a server that may die). */
    public void notifyNoWait(String callId, String subscriptionState, String pidf) throws Exception {
        ServerDialog dialog = served.get(callId);
        if (dialog == null) {
            throw new IllegalStateException("no subscription dialog with Call-ID " + callId);
        }
        provider.getNewClientTransaction(notifyRequest(dialog, subscriptionState, pidf)).sendRequest();
    }

    /** The Call-IDs of the live dialogs this peer serves for {@code fromUri} → {@code toUri}. */
    public List<String> servedDialogs(String fromUri, String toUri) {
        return served.values().stream().filter(d -> d.fromUri.equals(fromUri) && d.toUri.equals(toUri) && !d.terminated)
                .map(d -> d.callId).toList();
    }

    private final class ServerDialog {
        final String callId;
        final String fromUri;
        final String toUri;
        final Address remote; // the subscriber, with its tag, as our To
        final String remoteTag;
        final Address local; // the presentity, as our From
        final String localTag;
        final URI remoteTarget;
        final List<Address> routeSet;
        final EventHeader event;
        final AtomicLong cseq = new AtomicLong();
        volatile boolean terminated;

        ServerDialog(Request subscribe, String localTag) {
            FromHeader from = (FromHeader) subscribe.getHeader(FromHeader.NAME);
            ToHeader to = (ToHeader) subscribe.getHeader(ToHeader.NAME);
            this.callId = ((CallIdHeader) subscribe.getHeader(CallIdHeader.NAME)).getCallId();
            this.fromUri = plainUri(from.getAddress().getURI());
            this.toUri = plainUri(to.getAddress().getURI());
            this.remote = (Address) from.getAddress().clone();
            this.remoteTag = from.getTag();
            this.local = (Address) to.getAddress().clone();
            this.localTag = localTag;
            ContactHeader contact = (ContactHeader) subscribe.getHeader(ContactHeader.NAME);
            this.remoteTarget = contact != null ? (URI) contact.getAddress().getURI().clone() : (URI) from.getAddress().getURI().clone();
            List<Address> routes = new ArrayList<>();
            for (var it = subscribe.getHeaders(RecordRouteHeader.NAME); it.hasNext(); ) {
                routes.add((Address) ((RecordRouteHeader) it.next()).getAddress().clone());
            }
            if (routes.isEmpty() && !resolvable(remoteTarget)) {
                // The subscriber's Contact is a GRUU under a domain no DNS knows (a Front End would route it): send
                // in-dialog requests back the way the SUBSCRIBE came, as a client with an outbound proxy does.
                routes.add(cameFrom(subscribe));
            }
            this.routeSet = routes;
            this.event = (EventHeader) subscribe.getHeader(EventHeader.NAME);
        }
    }

    private void onSubscribe(RequestEvent event) throws Exception {
        Request request = event.getRequest();
        ReceivedSubscribe subscribe = received(request);
        ServerDialog known = subscribe.toTag() == null ? null : served.get(subscribe.callId());
        if (subscribe.toTag() != null && (known == null || !subscribe.toTag().equals(known.localTag))) {
            respond(event, 481, null);
            record(subscribe);
            return;
        }
        if (!autoAnswer) {
            record(subscribe);
            return;
        }
        ServerDialog dialog = known != null ? known : new ServerDialog(request, Long.toHexString(tags.incrementAndGet()));
        served.put(dialog.callId, dialog);
        int granted = Math.min(subscribe.expires(), 3600);
        ServerTransaction transaction = event.getServerTransaction() != null ? event.getServerTransaction()
                : provider.getNewServerTransaction(request);
        Response ok = messages.createResponse(200, request);
        ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(dialog.localTag);
        ok.addHeader(headers.createExpiresHeader(granted));
        ok.addHeader(contact(userOf(dialog.toUri)));
        transaction.sendResponse(ok);
        record(subscribe);
        String state = granted == 0 ? "terminated;reason=timeout" : "active;expires=" + granted;
        if (granted == 0) {
            dialog.terminated = true;
        }
        String body = granted == 0 ? null : documents.apply(dialog.toUri);
        notifier.execute(() -> {
            try {
                send(notifyRequest(dialog, state, body), TRANSACTION_WAIT);
            } catch (Exception | AssertionError e) {
                System.err.println("SipPresencePeer: the NOTIFY after a SUBSCRIBE failed: " + e.getMessage());
            }
        });
    }

    private Response subscribeResponse(ReceivedSubscribe subscribe, int status) throws Exception {
        Response response = messages.createResponse(status, subscribe.request());
        if (status >= 200 && subscribe.toTag() == null) {
            String tag = Long.toHexString(tags.incrementAndGet());
            ((ToHeader) response.getHeader(ToHeader.NAME)).setTag(tag);
            if (status < 300) {
                ServerDialog dialog = new ServerDialog(subscribe.request(), tag);
                served.put(dialog.callId, dialog);
                response.addHeader(headers.createExpiresHeader(Math.min(subscribe.expires(), 3600)));
                response.addHeader(contact(userOf(dialog.toUri)));
            }
        }
        return response;
    }

    private Request notifyRequest(ServerDialog dialog, String subscriptionState, String pidf) throws Exception {
        FromHeader from = headers.createFromHeader(dialog.local, dialog.localTag);
        ToHeader to = headers.createToHeader(dialog.remote, dialog.remoteTag);
        Request notify = messages.createRequest((URI) dialog.remoteTarget.clone(), Request.NOTIFY,
                headers.createCallIdHeader(dialog.callId), headers.createCSeqHeader(dialog.cseq.incrementAndGet(), Request.NOTIFY),
                from, to, List.of(headers.createViaHeader("127.0.0.1", port, ListeningPoint.UDP, null)),
                headers.createMaxForwardsHeader(70));
        for (Address route : dialog.routeSet) {
            notify.addHeader(headers.createRouteHeader((Address) route.clone()));
        }
        notify.addHeader(dialog.event != null ? (EventHeader) dialog.event.clone() : headers.createEventHeader("presence"));
        notify.addHeader(headers.createHeader(SubscriptionStateHeader.NAME, subscriptionState));
        notify.addHeader(contact(userOf(dialog.toUri)));
        if (pidf != null) {
            notify.setContent(pidf, headers.createContentTypeHeader("application", "pidf+xml"));
        }
        return notify;
    }

    // ===================== watcher role =====================

    /** A subscription this peer made as a watcher: its dialog, as far as known. */
    public final class Watch {
        final String callId;
        final String fromUri;
        final String toUri;
        final String localTag;
        final int serverPort;
        final AtomicLong cseq = new AtomicLong();
        volatile String remoteTag;
        volatile URI remoteTarget;
        volatile int lastStatus;
        volatile Response lastResponse;

        Watch(String callId, String fromUri, String toUri, String localTag, int serverPort) {
            this.callId = callId;
            this.fromUri = fromUri;
            this.toUri = toUri;
            this.localTag = localTag;
            this.serverPort = serverPort;
        }

        public String callId() {
            return callId;
        }

        /** The final status of the last SUBSCRIBE in this dialog. */
        public int status() {
            return lastStatus;
        }

        /** The final response to the last SUBSCRIBE in this dialog (its Expires, for example). */
        public Response response() {
            return lastResponse;
        }

        /** The Expires the last final response granted, or -1 when it had none. */
        public int grantedExpires() {
            ExpiresHeader expires = lastResponse == null ? null : (ExpiresHeader) lastResponse.getHeader(ExpiresHeader.NAME);
            return expires == null ? -1 : expires.getExpires();
        }
    }

    /** A NOTIFY that reached this peer as a watcher (answered 200 when its Call-ID is a watch's, 481 otherwise). */
    public record ReceivedNotify(Request request, String callId, String subscriptionState, String body, Instant at) {

        /** The state alone: {@code pending}, {@code active} or {@code terminated}. */
        public String state() {
            return subscriptionState == null ? null : subscriptionState.split(";", 2)[0].trim().toLowerCase();
        }

        /** A parameter of Subscription-State ({@code reason}, {@code expires}), or null. */
        public String stateParameter(String name) {
            if (subscriptionState == null) {
                return null;
            }
            for (String part : subscriptionState.split(";")) {
                String[] pair = part.trim().split("=", 2);
                if (pair.length == 2 && pair[0].trim().equalsIgnoreCase(name)) {
                    return pair[1].trim();
                }
            }
            return null;
        }
    }

    /**
     * Sends a SUBSCRIBE (Event: presence, Accept: PIDF) from {@code fromAor} (e.g. {@code sip:carol@example.com})
     * to {@code toAor} (e.g. {@code sip:dave@xmpp.example.com}) through the server at 127.0.0.1:{@code serverPort}
     * (a loose Route, so the domain is never resolved), and returns the watch once the final response came.
     */
    public Watch subscribe(String fromAor, String toAor, int serverPort, int expires) throws Exception {
        String callId = watcherProvider.getNewCallId().getCallId();
        Watch watch = new Watch(callId, fromAor, toAor, Long.toHexString(tags.incrementAndGet()), serverPort);
        watches.put(callId, watch);
        URI target = addresses.createURI(toAor);
        Request request = messages.createRequest(target, Request.SUBSCRIBE, headers.createCallIdHeader(callId),
                headers.createCSeqHeader(watch.cseq.incrementAndGet(), Request.SUBSCRIBE),
                headers.createFromHeader(addresses.createAddress(fromAor), watch.localTag),
                headers.createToHeader(addresses.createAddress(toAor), null),
                List.of(headers.createViaHeader("127.0.0.1", watcherPort, ListeningPoint.UDP, null)), headers.createMaxForwardsHeader(70));
        request.addHeader(routeTo(serverPort));
        finishSubscribe(request, fromAor, expires);
        Response response = send(watcherProvider, request, TRANSACTION_WAIT);
        learn(watch, response);
        return watch;
    }

    /** A SUBSCRIBE inside the watch's dialog: a refresh, or the end of it with {@code expires} 0; the final status. */
    public int resubscribe(Watch watch, int expires) throws Exception {
        URI target = watch.remoteTarget != null ? (URI) watch.remoteTarget.clone() : addresses.createURI(watch.toUri);
        Request request = messages.createRequest(target, Request.SUBSCRIBE, headers.createCallIdHeader(watch.callId),
                headers.createCSeqHeader(watch.cseq.incrementAndGet(), Request.SUBSCRIBE),
                headers.createFromHeader(addresses.createAddress(watch.fromUri), watch.localTag),
                headers.createToHeader(addresses.createAddress(watch.toUri), watch.remoteTag),
                List.of(headers.createViaHeader("127.0.0.1", watcherPort, ListeningPoint.UDP, null)), headers.createMaxForwardsHeader(70));
        if (watch.remoteTarget == null || !resolvable(watch.remoteTarget)) {
            request.addHeader(routeTo(watch.serverPort)); // the runner is this client's outbound proxy
        }
        finishSubscribe(request, watch.fromUri, expires);
        Response response = send(watcherProvider, request, TRANSACTION_WAIT);
        learn(watch, response);
        return response.getStatusCode();
    }

    private void finishSubscribe(Request request, String fromAor, int expires) throws Exception {
        request.addHeader(headers.createEventHeader("presence"));
        request.addHeader(headers.createAcceptHeader("application", "pidf+xml"));
        request.addHeader(headers.createExpiresHeader(expires));
        request.addHeader(contact(userOf(fromAor)));
    }

    private void learn(Watch watch, Response response) {
        watch.lastStatus = response.getStatusCode();
        watch.lastResponse = response;
        if (response.getStatusCode() >= 200 && response.getStatusCode() < 300) {
            String tag = ((ToHeader) response.getHeader(ToHeader.NAME)).getTag();
            if (tag != null && watch.remoteTag == null) {
                watch.remoteTag = tag;
            }
            ContactHeader contact = (ContactHeader) response.getHeader(ContactHeader.NAME);
            if (contact != null && contact.getAddress() != null) {
                watch.remoteTarget = (URI) contact.getAddress().getURI().clone();
            }
        }
    }

    /** The first NOTIFY not awaited before in the watch's dialog that matches; fails after {@code timeout}. */
    public ReceivedNotify awaitNotify(Watch watch, Predicate<ReceivedNotify> condition, Duration timeout) throws InterruptedException {
        Predicate<ReceivedNotify> match = n -> watch.callId.equals(n.callId());
        return take(notifies, notifiesTaken, match.and(condition), timeout).orElseThrow(() -> new AssertionError(
                "no matching NOTIFY for " + watch.fromUri + " -> " + watch.toUri + " within " + timeout + "; received: "
                        + describeNotifies(watch.callId)));
    }

    /** Asserts that no NOTIFY in the watch's dialog matching {@code condition} arrives (or had arrived unawaited) within {@code period}. */
    public void assertNoNotify(Watch watch, Predicate<ReceivedNotify> condition, Duration period) throws InterruptedException {
        Predicate<ReceivedNotify> match = n -> watch.callId.equals(n.callId());
        Optional<ReceivedNotify> unexpected = take(notifies, notifiesTaken, match.and(condition), period);
        if (unexpected.isPresent()) {
            throw new AssertionError("unexpected NOTIFY:\n" + unexpected.get().request());
        }
    }

    /** Every NOTIFY received in the watch's dialog so far. */
    public List<ReceivedNotify> notifies(Watch watch) {
        synchronized (notifies) {
            return notifies.stream().filter(n -> n.callId().equals(watch.callId)).toList();
        }
    }

    private void onNotify(RequestEvent event) throws Exception {
        Request request = event.getRequest();
        String callId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
        Watch watch = watches.get(callId);
        Header state = request.getHeader(SubscriptionStateHeader.NAME);
        String stateValue = state == null ? null : state.toString().substring(state.toString().indexOf(':') + 1).trim();
        byte[] raw = request.getRawContent();
        String body = raw == null ? null : new String(raw, java.nio.charset.StandardCharsets.UTF_8);
        if (watch == null) {
            respond(event, 481, null);
        } else {
            if (watch.remoteTag == null) {
                watch.remoteTag = ((FromHeader) request.getHeader(FromHeader.NAME)).getTag();
            }
            ContactHeader contact = (ContactHeader) request.getHeader(ContactHeader.NAME);
            if (contact != null && watch.remoteTarget == null) {
                watch.remoteTarget = (URI) contact.getAddress().getURI().clone();
            }
            respond(event, 200, null);
        }
        ReceivedNotify notify = new ReceivedNotify(request, callId, stateValue, body, Instant.now());
        synchronized (notifies) {
            notifies.add(notify);
            notifiesTaken.add(false);
            notifies.notifyAll();
        }
    }

    // ===================== plumbing =====================

    private ReceivedSubscribe received(Request request) {
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        ExpiresHeader expires = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        return new ReceivedSubscribe(request, ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId(),
                plainUri(from.getAddress().getURI()), from.getTag(), plainUri(to.getAddress().getURI()), to.getTag(),
                request.getRequestURI().toString(), expires == null ? 3600 : expires.getExpires(), Instant.now());
    }

    private void record(ReceivedSubscribe subscribe) {
        synchronized (subscribes) {
            subscribes.add(subscribe);
            subscribesTaken.add(false);
            subscribes.notifyAll();
        }
    }

    private static <T> Optional<T> take(List<T> items, List<Boolean> taken, Predicate<T> condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (items) {
            while (true) {
                for (int i = 0; i < items.size(); i++) {
                    if (!taken.get(i) && condition.test(items.get(i))) {
                        taken.set(i, true);
                        return Optional.of(items.get(i));
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                items.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private String describeSubscribes() {
        StringBuilder text = new StringBuilder();
        for (ReceivedSubscribe s : subscribes()) {
            text.append("\n  ").append(s.fromUri()).append(" -> ").append(s.toUri()).append(" Expires ").append(s.expires())
                    .append(s.inDialog() ? " (in dialog " : " (new, ").append(s.callId()).append(')');
        }
        return text.toString();
    }

    private String describeNotifies(String callId) {
        StringBuilder text = new StringBuilder();
        synchronized (notifies) {
            for (ReceivedNotify n : notifies) {
                if (n.callId().equals(callId)) {
                    text.append("\n  ").append(n.subscriptionState()).append(' ').append(n.body());
                }
            }
        }
        return text.toString();
    }

    /** {@code sip:user@host} of a URI, without port, parameters or headers (how the tests name AORs). */
    static String plainUri(URI uri) {
        if (uri instanceof SipURI sip) {
            return (sip.isSecure() ? "sips:" : "sip:") + (sip.getUser() == null ? "" : sip.getUser() + "@") + sip.getHost();
        }
        return uri.toString();
    }

    private static String userOf(String aor) {
        int colon = aor.indexOf(':');
        int at = aor.indexOf('@');
        return at > colon ? aor.substring(colon + 1, at) : null;
    }

    private ContactHeader contact(String user) throws Exception {
        SipURI uri = addresses.createSipURI(user, "127.0.0.1");
        uri.setPort(port);
        uri.setTransportParam(ListeningPoint.UDP);
        return headers.createContactHeader(addresses.createAddress(uri));
    }

    /** A target whose host is an address literal (the tests' peers), not a name only a Front End could route. */
    private static boolean resolvable(URI target) {
        return target instanceof SipURI sip && sip.getHost() != null && sip.getHost().matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?");
    }

    /** A loose route to where a request came from: the host and port of its top Via (received/rport when present). */
    private Address cameFrom(Request request) {
        try {
            javax.sip.header.ViaHeader via = (javax.sip.header.ViaHeader) request.getHeader(javax.sip.header.ViaHeader.NAME);
            String host = via.getReceived() != null ? via.getReceived() : via.getHost();
            int viaPort = via.getRPort() > 0 ? via.getRPort() : via.getPort() > 0 ? via.getPort() : 5060;
            SipURI route = addresses.createSipURI(null, host);
            route.setPort(viaPort);
            route.setLrParam();
            route.setTransportParam(via.getTransport() == null ? ListeningPoint.UDP : via.getTransport().toLowerCase(java.util.Locale.ROOT));
            return addresses.createAddress(route);
        } catch (java.text.ParseException e) {
            throw new IllegalStateException("cannot route back to " + request.getHeader(javax.sip.header.ViaHeader.NAME), e);
        }
    }

    private RouteHeader routeTo(int serverPort) throws Exception {
        SipURI route = addresses.createSipURI(null, "127.0.0.1");
        route.setPort(serverPort);
        route.setLrParam();
        route.setTransportParam(ListeningPoint.UDP);
        return headers.createRouteHeader(addresses.createAddress(route));
    }

    private void respond(RequestEvent event, int status, String toTag) throws Exception {
        ServerTransaction transaction = event.getServerTransaction() != null ? event.getServerTransaction()
                : provider.getNewServerTransaction(event.getRequest());
        Response response = messages.createResponse(status, event.getRequest());
        ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
        if (status >= 200 && to.getTag() == null) {
            to.setTag(toTag != null ? toTag : Long.toHexString(tags.incrementAndGet()));
        }
        transaction.sendResponse(response);
    }

    private Response send(Request request, Duration timeout) throws Exception {
        return send(provider, request, timeout);
    }

    private Response send(SipProvider from, Request request, Duration timeout) throws Exception {
        ClientTransaction transaction = from.getNewClientTransaction(request);
        CompletableFuture<Response> answer = new CompletableFuture<>();
        pending.put(transaction, answer);
        transaction.sendRequest();
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no final response to " + request.getMethod() + " within " + timeout + ":\n" + request);
        } catch (ExecutionException e) {
            throw new AssertionError("no final response to " + request.getMethod() + ": " + e.getCause().getMessage());
        } finally {
            pending.remove(transaction);
        }
    }

    @Override
    public void processRequest(RequestEvent event) {
        try {
            switch (event.getRequest().getMethod()) {
                case Request.SUBSCRIBE -> onSubscribe(event);
                case Request.NOTIFY -> onNotify(event);
                case Request.OPTIONS -> respond(event, 200, null);
                case Request.ACK -> { }
                default -> respond(event, 501, null);
            }
        } catch (Exception e) {
            System.err.println("SipPresencePeer: could not handle " + event.getRequest().getMethod() + ": " + e);
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        Response response = event.getResponse();
        if (response.getStatusCode() >= 200 && event.getClientTransaction() != null) {
            CompletableFuture<Response> answer = pending.get(event.getClientTransaction());
            if (answer != null) {
                answer.complete(response);
            }
        }
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        if (event.getClientTransaction() != null) {
            CompletableFuture<Response> answer = pending.get(event.getClientTransaction());
            if (answer != null) {
                answer.completeExceptionally(new TimeoutException("transaction timed out"));
            }
        }
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        // a lost datagram shows as a transaction timeout
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // answers are removed when send() returns
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // dialogs are kept here, not by the stack
    }

    @Override
    public void close() {
        notifier.shutdownNow();
        stack.stop();
        watcherStack.stop();
    }

    // ===================== PIDF documents =====================

    /** An open PIDF document for {@code presentity} with no activity, time-stamped now. */
    public static String defaultDocument(String presentity) {
        return pidf(presentity, "open", null, null, Instant.now());
    }

    /**
     * A PIDF document (RFC 3863) with RPID (RFC 4480) and the data model (RFC 4479): {@code basic} open or
     * closed, an optional RPID activity ({@code away}, {@code busy}, {@code on-the-phone}, ...), an optional
     * note (on the person, and on the tuple), and the publish time as {@code <timestamp>} of the tuple.
     */
    public static String pidf(String presentity, String basic, String activity, String note, Instant timestamp) {
        String noteXml = note == null ? "" : "<dm:note>" + escape(note) + "</dm:note>";
        String activityXml = activity == null ? "" : "<rpid:activities><rpid:" + activity + "/></rpid:activities>";
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
                + " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"" + escape(presentity) + "\">"
                + "<tuple id=\"t1\"><status><basic>" + basic + "</basic></status>"
                + (note == null ? "" : "<note>" + escape(note) + "</note>")
                + "<timestamp>" + timestamp + "</timestamp></tuple>"
                + "<dm:person id=\"p1\">" + activityXml + noteXml + "<dm:timestamp>" + timestamp + "</dm:timestamp></dm:person>"
                + "</presence>";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
