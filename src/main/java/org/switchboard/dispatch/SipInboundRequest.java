package org.switchboard.dispatch;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;
import javax.servlet.sip.SipSession;
import org.switchboard.dispatch.routing.IncomingRequest;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.endpoint.OutboundRequest;
import org.switchboard.endpoint.SipUri;

/** A SIP servlet request as delivered to one endpoint; replies carry that endpoint's GRUU. */
final class SipInboundRequest implements InboundRequest {

    private final SipServletRequest request;
    private final IncomingRequest facts;
    private final HostedEndpoint endpoint;
    private final EndpointHost host;

    SipInboundRequest(SipServletRequest request, IncomingRequest facts, HostedEndpoint endpoint, EndpointHost host) {
        this.request = request;
        this.facts = facts;
        this.endpoint = endpoint;
        this.host = host;
    }

    /** The container's request, for the platform's own edges (the bridge). */
    SipServletRequest raw() {
        return request;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public SipUri requestUri() {
        return SipUri.parse(request.getRequestURI().toString());
    }

    @Override
    public SipUri from() {
        return facts.from();
    }

    @Override
    public SipUri to() {
        return facts.to();
    }

    @Override
    public Optional<SipUri> contact() {
        return WireRequests.contact(request);
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(request.getHeader(name));
    }

    @Override
    public Optional<ConversationId> conversationId() {
        return facts.conversationId();
    }

    @Override
    public Optional<String> contentType() {
        return Optional.ofNullable(request.getContentType());
    }

    @Override
    public byte[] content() {
        try {
            byte[] raw = request.getRawContent();
            return raw == null ? new byte[0] : raw;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    @Override
    public String text() {
        return new String(content(), StandardCharsets.UTF_8);
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public void reply(int status) throws IOException {
        send(request.createResponse(status));
    }

    @Override
    public void reply(int status, String reasonPhrase) throws IOException {
        send(request.createResponse(status, reasonPhrase));
    }

    @Override
    public void reply(int status, String reasonPhrase, String contentType, String body) throws IOException {
        SipServletResponse response = request.createResponse(status, reasonPhrase);
        try {
            response.setContent(body.getBytes(StandardCharsets.UTF_8), contentType);
        } catch (UnsupportedEncodingException e) {
            throw new IOException(e);
        }
        send(response);
    }

    @Override
    public void replyMethodNotAllowed(String... allowed) throws IOException {
        SipServletResponse response = request.createResponse(SipServletResponse.SC_METHOD_NOT_ALLOWED);
        response.setHeader("Allow", String.join(", ", allowed));
        send(response);
    }

    private void send(SipServletResponse response) throws IOException {
        host.contacts().writeResponseContact(response, endpoint);
        response.send();
    }

    @Override
    public OutboundRequest newRequestInDialog(String method) {
        SipSession session = request.getSession(false);
        // Restcomm would turn a session without a dialog into a copy of the request received, From and To unswapped
        if (session == null || !session.isValid()
                || (session.getState() != SipSession.State.EARLY && session.getState() != SipSession.State.CONFIRMED)) {
            throw new IllegalStateException("the " + request.getMethod() + " to " + endpoint.name() + " is not part of a dialog"
                    + (session == null || !session.isValid() ? "" : " (session " + session.getState() + ")"));
        }
        return host.newRequestInDialog(session, endpoint, method);
    }

    @Override
    public void redispatch(Aor target) throws IOException {
        host.redispatch(request, facts, target);
    }
}
