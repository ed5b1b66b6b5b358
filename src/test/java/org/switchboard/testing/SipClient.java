package org.switchboard.testing;

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
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * A real SIP user agent for tests (JAIN-SIP reference implementation) on 127.0.0.1, over one
 * transport: builds requests, sends them in client transactions, and collects what arrives.
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
        this.transport = transport;
        this.port = FreePorts.udpAndTcp();
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        Properties properties = new Properties();
        properties.setProperty("javax.sip.STACK_NAME", "test-client-" + STACKS.incrementAndGet());
        properties.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        properties.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
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
        Address from = addresses.createAddress(uriOf(fromUser));
        Address to = addresses.createAddress(addresses.createURI(target));
        Request request = messages.createRequest(requestUri, method, provider.getNewCallId(),
                headers.createCSeqHeader(1L, method),
                headers.createFromHeader(from, Long.toHexString(System.nanoTime())),
                headers.createToHeader(to, null),
                List.of(headers.createViaHeader("127.0.0.1", port, transport, null)),
                headers.createMaxForwardsHeader(70));
        SipURI contact = (SipURI) addresses.createURI(uriOf(fromUser));
        contact.setTransportParam(transport);
        request.addHeader(headers.createContactHeader(addresses.createAddress(contact)));
        return request;
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
