package org.switchboard.dispatch;

import java.util.Optional;
import javax.servlet.sip.Address;
import javax.servlet.sip.ServletParseException;
import javax.servlet.sip.SipServletRequest;
import org.switchboard.dispatch.routing.IncomingRequest;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.SipUri;

/** Reads the facts the router needs off a SIP servlet request; bad input is an IllegalArgumentException. */
final class WireRequests {

    static final String APPLICATION_AOR = "Ms-Application-Aor";
    static final String CONVERSATION_ID = "Ms-Conversation-ID";

    private static final UriCache URIS = new UriCache(10_000);

    private WireRequests() {
    }

    static IncomingRequest toIncoming(SipServletRequest request) {
        Address to = request.getTo();
        boolean inDialog = to.getParameter("tag") != null;
        Optional<SipUri> applicationAor = Optional.ofNullable(request.getHeader(APPLICATION_AOR))
                .map(String::trim).filter(v -> !v.isEmpty())
                .map(v -> v.indexOf('<') >= 0 ? SipUri.fromNameAddr(v) : URIS.parse(v));
        Optional<EndpointId> epid = Optional.ofNullable(to.getParameter("epid")).map(EndpointId::new);
        Optional<ConversationId> conversation = Optional.ofNullable(request.getHeader(CONVERSATION_ID))
                .map(String::trim).filter(v -> !v.isEmpty()).map(ConversationId::new);
        return new IncomingRequest(request.getMethod(), !inDialog, applicationAor, uri(to), epid, conversation,
                uri(request.getFrom()));
    }

    static SipUri uri(Address address) {
        return URIS.parse(address.getURI().toString());
    }

    static Optional<SipUri> contact(SipServletRequest request) {
        try {
            Address contact = request.getAddressHeader("Contact");
            return contact == null || contact.isWildcard() ? Optional.empty() : Optional.of(uri(contact));
        } catch (ServletParseException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
