package org.switchboard.dispatch;

import gov.nist.javax.sip.message.SIPMessage;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import javax.servlet.ServletException;
import javax.servlet.sip.SipApplicationSession;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;
import javax.servlet.sip.SipSession;
import org.mobicents.servlet.sip.core.message.MobicentsSipServletMessage;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.OutboundRequest;
import org.switchboard.endpoint.SipResponse;
import org.switchboard.endpoint.SipUri;
import org.switchboard.timing.Scheduler;

/**
 * A request an endpoint sends, through the container: out of dialog (From its AOR, Contact its GRUU, via the
 * next hop) or inside a dialog the endpoint is in. Its answers come back through
 * {@link DispatcherServlet#doResponse}, which finds the {@link PendingAnswer} on the request.
 */
final class SipOutboundRequest implements OutboundRequest {

    /** On each request sent: the answer it waits for. */
    static final String ANSWER = SipOutboundRequest.class.getName() + ".answer";

    /** Makes the container's request: a new one, or one inside a dialog. */
    private interface Origin {
        SipServletRequest create(SipUri to) throws ServletException;

        boolean inDialog();
    }

    private final HostedEndpoint from;
    private final String method;
    private final String description;
    private final Origin origin;
    private final EndpointHost host;
    private final Scheduler timers;
    private SipUri to;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String contentType;
    private byte[] content;
    private Consumer<SipResponse> provisionalListener = response -> { };
    private boolean sent;

    private SipOutboundRequest(HostedEndpoint from, String method, String description, SipUri to, Origin origin, EndpointHost host,
            Scheduler timers) {
        this.from = from;
        this.method = method;
        this.description = description;
        this.to = to;
        this.origin = origin;
        this.host = host;
        this.timers = timers;
    }

    /** A new request of {@code from} to {@code target}, in an application session of its own. */
    static SipOutboundRequest outOfDialog(SipFactory factory, HostedEndpoint from, String method, SipUri target, EndpointHost host,
            Scheduler timers) {
        Origin origin = new Origin() {
            @Override
            public SipServletRequest create(SipUri to) throws ServletException {
                SipApplicationSession session = factory.createApplicationSession();
                try {
                    SipServletRequest request = factory.createRequest(session, method,
                            factory.createAddress(from.owner().uri().toString()), factory.createAddress(to.toString()));
                    request.setRequestURI(factory.createURI(target.toString()));
                    request.setAddressHeader("Contact", host.contacts().address(from));
                    host.routeViaNextHop(request);
                    return request;
                } catch (ServletException | RuntimeException e) {
                    session.invalidate();
                    throw e;
                }
            }

            @Override
            public boolean inDialog() {
                return false;
            }
        };
        return new SipOutboundRequest(from, method, method + " from " + from.name() + " to " + target, target, origin, host, timers);
    }

    /**
     * A request of {@code from} inside the dialog of {@code session} (the container keeps Call-ID, tags, CSeq,
     * route set and remote target).
     */
    static SipOutboundRequest inDialog(SipSession session, HostedEndpoint from, String method, EndpointHost host, Scheduler timers) {
        Origin origin = new Origin() {
            @Override
            public SipServletRequest create(SipUri ignored) {
                SipServletRequest request = session.createRequest(method);
                host.contacts().writeResponseContact(request, from);
                return request;
            }

            @Override
            public boolean inDialog() {
                return true;
            }
        };
        return new SipOutboundRequest(from, method, method + " from " + from.name() + " in dialog " + session.getCallId(), null, origin,
                host, timers);
    }

    @Override
    public OutboundRequest to(SipUri to) {
        if (origin.inDialog()) {
            throw new IllegalStateException("inside a dialog, To is the dialog's");
        }
        this.to = to;
        return this;
    }

    @Override
    public OutboundRequest header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    @Override
    public OutboundRequest body(String contentType, byte[] content) {
        this.contentType = contentType;
        this.content = content.clone();
        return this;
    }

    @Override
    public OutboundRequest onProvisional(Consumer<SipResponse> listener) {
        this.provisionalListener = listener;
        return this;
    }

    @Override
    public CompletionStage<SipResponse> send() {
        if (sent) {
            throw new IllegalStateException(description + " was sent already");
        }
        sent = true;
        PendingAnswer answer = new PendingAnswer(description, timers, PendingAnswer.Timeouts.DEFAULT, provisionalListener);
        SipServletRequest request;
        try {
            request = origin.create(to);
            for (Map.Entry<String, String> header : headers.entrySet()) {
                request.setHeader(header.getKey(), header.getValue());
            }
            if (content != null) {
                request.setContent(content, contentType);
            }
        } catch (ServletException | UnsupportedEncodingException e) {
            throw new IllegalArgumentException("Cannot make " + description + ": " + e.getMessage(), e);
        }
        Optional.ofNullable(headers.get(WireRequests.CONVERSATION_ID))
                .map(ConversationId::new)
                .ifPresent(id -> host.learn(id, from));
        request.setAttribute(ANSWER, answer);
        try {
            request.send();
            answer.sent();
        } catch (IOException | RuntimeException e) {
            // Restcomm throws at once when it cannot send, such as a refused TCP connection
            answer.notSent(e);
        }
        return answer.stage();
    }

    /** A response to a request an endpoint sent, provisional or final. */
    static void handleResponse(PendingAnswer answer, SipServletResponse response) {
        answer.response(toValue(response), madeByContainer(response));
    }

    /**
     * Whether the container made this response itself instead of receiving it: Restcomm 3.2 answers a
     * transaction that timed out with a 408 of its own, delivered like a received one and indistinguishable
     * through the SIP Servlet API (even {@code getRemoteAddr()} names the peer). Its JAIN-SIP message tells:
     * one that came off the network carries the address it came from. Any other container: taken as received.
     */
    static boolean madeByContainer(SipServletResponse response) {
        return response instanceof MobicentsSipServletMessage restcomm
                && restcomm.getMessage() instanceof SIPMessage message
                && message.getRemoteAddress() == null;
    }

    static SipResponse toValue(SipServletResponse response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Iterator<String> names = response.getHeaderNames(); names.hasNext(); ) {
            String name = names.next();
            List<String> values = new ArrayList<>();
            for (ListIterator<String> each = response.getHeaders(name); each.hasNext(); ) {
                values.add(each.next());
            }
            headers.put(name, values);
        }
        byte[] content;
        try {
            content = response.getRawContent();
        } catch (IOException e) {
            content = null;
        }
        String reason = response.getReasonPhrase();
        return SipResponse.of(response.getStatus(), reason == null ? "" : reason, headers, Optional.ofNullable(response.getContentType()),
                content);
    }
}
