package org.switchboard.dispatch;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.servlet.ServletException;
import javax.servlet.sip.SipApplicationSession;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.SipServletRequest;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.OutboundRequest;
import org.switchboard.endpoint.SipUri;

/** A request an endpoint sends: From its AOR, Contact its GRUU, through the container's SIP factory. */
final class SipOutboundRequest implements OutboundRequest {

    private final SipFactory factory;
    private final HostedEndpoint from;
    private final String method;
    private final SipUri target;
    private final EndpointHost host;
    private SipUri to;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String contentType;
    private byte[] content;

    SipOutboundRequest(SipFactory factory, HostedEndpoint from, String method, SipUri target, EndpointHost host) {
        this.factory = factory;
        this.from = from;
        this.method = method;
        this.target = target;
        this.to = target;
        this.host = host;
    }

    @Override
    public OutboundRequest to(SipUri to) {
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
    public void send() throws IOException {
        SipApplicationSession session = factory.createApplicationSession();
        try {
            SipServletRequest request = factory.createRequest(session, method,
                    factory.createAddress(from.owner().uri().toString()),
                    factory.createAddress(to.toString()));
            request.setRequestURI(factory.createURI(target.toString()));
            request.setAddressHeader("Contact", host.contacts().address(from));
            host.routeViaNextHop(request);
            for (Map.Entry<String, String> header : headers.entrySet()) {
                request.setHeader(header.getKey(), header.getValue());
            }
            if (content != null) {
                request.setContent(content, contentType);
            }
            Optional.ofNullable(headers.get(WireRequests.CONVERSATION_ID))
                    .map(ConversationId::new)
                    .ifPresent(id -> host.learn(id, from));
            request.send();
        } catch (ServletException | UnsupportedEncodingException e) {
            session.invalidate();
            throw new IOException("Cannot send " + method + " to " + target + ": " + e.getMessage(), e);
        }
    }
}
