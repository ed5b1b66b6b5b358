package org.switchboard.arquillian.sip;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TooManyListenersException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.message.Message;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.FreePorts;

/**
 * A real SIP user agent for tests (JAIN-SIP reference implementation) on 127.0.0.1, over one
 * transport: builds requests, sends them in client transactions and awaits their final responses,
 * and collects the requests that arrive (e.g. those an endpoint sends) for the test to answer.
 */
public final class SipClient implements SipListener, AutoCloseable {

    private static final AtomicInteger STACKS = new AtomicInteger();

    private final String transport;
    private final int port;
    private final SipStack stack;
    private final SipProvider provider;
    private final AddressFactory addresses;
    private final HeaderFactory headers;
    private final MessageFactory messages;
    private final Map<ClientTransaction, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
    private final BlockingQueue<RequestEvent> incoming = new LinkedBlockingQueue<>();

    private SipClient(String transport) throws Exception {
        this(transport, new Properties());
    }

    private SipClient(String transport, Properties extraStackProperties) throws Exception {
        this.transport = transport;
        this.port = FreePorts.udpAndTcp();
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        Properties properties = new Properties();
        properties.setProperty("javax.sip.STACK_NAME", "test-client-" + STACKS.incrementAndGet());
        properties.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        properties.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
        properties.putAll(extraStackProperties);
        stack = factory.createSipStack(properties);
        ListeningPoint point = stack.createListeningPoint("127.0.0.1", port, transport);
        provider = stack.createSipProvider(point);
        addListener();
        addresses = factory.createAddressFactory();
        headers = factory.createHeaderFactory();
        messages = factory.createMessageFactory();
        stack.start();
    }

    private void addListener() throws TooManyListenersException {
        provider.addSipListener(this);
    }

    public static SipClient udp() throws Exception {
        return new SipClient(ListeningPoint.UDP);
    }

    public static SipClient tcp() throws Exception {
        return new SipClient(ListeningPoint.TCP);
    }

    /** Over TLS, with the key stores and TLS settings in {@code tlsStackProperties} (see TestCertificates). */
    public static SipClient tls(Properties tlsStackProperties) throws Exception {
        return new SipClient(ListeningPoint.TLS, tlsStackProperties);
    }

    public int port() {
        return port;
    }

    public String transport() {
        return transport;
    }

    /** The user part and this client's address: {@code sip:user@127.0.0.1:port}. */
    public String uriOf(String user) {
        return "sip:" + user + "@127.0.0.1:" + port;
    }

    public AddressFactory addresses() {
        return addresses;
    }

    public HeaderFactory headers() {
        return headers;
    }

    /**
     * A new out-of-dialog request to {@code target} (e.g. {@code sip:bot@127.0.0.1:5060}), From
     * {@code fromUser} at this client, To the target, with Via, Contact, Max-Forwards and a transport
     * parameter so that it leaves over this client's transport.
     */
    public Request request(String method, String target, String fromUser) throws Exception {
        SipURI requestUri = (SipURI) addresses.createURI(target);
        requestUri.setTransportParam(transport);
        return outOfDialog(method, requestUri, addresses.createURI(target), fromUser);
    }

    /**
     * A new out-of-dialog request whose Request-URI and To are {@code requestUriAndTo}, any SIP URI
     * (e.g. {@code sip:echo@example.com}, {@code sip:alice@example.com;epid=e2} or a GRUU with its
     * {@code gr} parameter; URI parameters are kept in both), sent to the server at
     * 127.0.0.1:{@code serverPort} through a loose Route {@code <sip:127.0.0.1:PORT;lr;transport=...>}:
     * JAIN-SIP's default router follows the first Route, so the URI's host is never resolved. From
     * {@code fromUser} at this client, with Via, Contact and Max-Forwards as {@link #request}.
     */
    public Request requestTo(String method, String requestUriAndTo, String fromUser, int serverPort) throws Exception {
        Request request = outOfDialog(method, addresses.createURI(requestUriAndTo), addresses.createURI(requestUriAndTo), fromUser);
        SipURI route = addresses.createSipURI(null, "127.0.0.1");
        route.setPort(serverPort);
        route.setLrParam();
        route.setTransportParam(transport);
        request.addFirst(headers.createRouteHeader(addresses.createAddress(route)));
        return request;
    }

    /** {@link #requestTo(String, String, String, int)} towards a deployed Switchboard's SIP port. */
    public Request requestTo(String method, String requestUriAndTo, String fromUser, DeployedSwitchboard server) throws Exception {
        return requestTo(method, requestUriAndTo, fromUser, server.sipPort());
    }

    /** Request-URI and To as given; From {@code fromUser} at this client with a tag; Via, Max-Forwards, Contact. */
    private Request outOfDialog(String method, URI requestUri, URI toUri, String fromUser) throws Exception {
        Request request = messages.createRequest(requestUri, method, provider.getNewCallId(),
                headers.createCSeqHeader(1L, method),
                headers.createFromHeader(addresses.createAddress(uriOf(fromUser)), Long.toHexString(System.nanoTime())),
                headers.createToHeader(addresses.createAddress(toUri), null),
                List.of(headers.createViaHeader("127.0.0.1", port, transport, null)),
                headers.createMaxForwardsHeader(70));
        SipURI contact = (SipURI) addresses.createURI(uriOf(fromUser));
        contact.setTransportParam(transport);
        request.addHeader(headers.createContactHeader(addresses.createAddress(contact)));
        return request;
    }

    /** Adds a header to {@code request} by name and value, e.g. {@code Ms-Conversation-ID: conv-1}. */
    public Request withHeader(Request request, String name, String value) throws Exception {
        request.addHeader(headers.createHeader(name, value));
        return request;
    }

    /** Sets the To tag of {@code request}, making it look like a request inside a dialog. */
    public Request withToTag(Request request, String tag) throws Exception {
        ((ToHeader) request.getHeader(ToHeader.NAME)).setTag(tag);
        return request;
    }

    /** Sets a text body with the given Content-Type (e.g. {@code text}, {@code plain}). */
    public Request withBody(Request request, String type, String subtype, String body) throws Exception {
        request.setContent(body, headers.createContentTypeHeader(type, subtype));
        return request;
    }

    /**
     * Answers a request that arrived at this client with {@code status}, in a server transaction
     * (a new one if the stack did not create one). A final response gets a To tag when it has none.
     */
    public Response respond(RequestEvent event, int status) throws Exception {
        ServerTransaction transaction = event.getServerTransaction();
        if (transaction == null) {
            transaction = provider.getNewServerTransaction(event.getRequest());
        }
        Response response = messages.createResponse(status, event.getRequest());
        ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
        if (status >= 200 && to != null && to.getTag() == null) {
            to.setTag(Long.toHexString(System.nanoTime()));
        }
        transaction.sendResponse(response);
        return response;
    }

    /** The URI of the (first) Contact header of {@code message} (a response or a request) as a string, or null when it has none. */
    public static String contactUri(Message message) {
        ContactHeader contact = (ContactHeader) message.getHeader(ContactHeader.NAME);
        if (contact == null || contact.getAddress() == null || contact.getAddress().getURI() == null) {
            return null;
        }
        return contact.getAddress().getURI().toString();
    }

    /** Sends {@code request} and waits for its final response. */
    public Response send(Request request, Duration timeout) throws Exception {
        ClientTransaction transaction = provider.getNewClientTransaction(request);
        CompletableFuture<Response> answer = new CompletableFuture<>();
        pending.put(transaction, answer);
        transaction.sendRequest();
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no final response to " + request.getMethod() + " within " + timeout);
        } catch (ExecutionException e) {
            throw new AssertionError("no final response to " + request.getMethod() + ": " + e.getCause().getMessage());
        } finally {
            pending.remove(transaction);
        }
    }

    /** The next request that arrived at this client, or an AssertionError after {@code timeout}. */
    public RequestEvent awaitRequest(Duration timeout) throws InterruptedException {
        RequestEvent event = incoming.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new AssertionError("no request arrived within " + timeout);
        }
        return event;
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
    public void processRequest(RequestEvent event) {
        incoming.add(event);
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
        pending.values().forEach(a -> a.completeExceptionally(new java.io.IOException(
                "I/O error towards " + event.getHost() + ":" + event.getPort())));
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // nothing to clean up: answers are removed when send() returns
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // no dialogs are kept
    }

    @Override
    public void close() {
        stack.stop();
    }
}
