package org.switchboard.dispatch.routing;

import java.util.Optional;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.SipUri;

/** Builds the requests of the routing tests; each call returns a new builder. */
final class Requests {

    private boolean initial = true;
    private Optional<SipUri> applicationAor = Optional.empty();
    private SipUri to = SipUri.parse("sip:nobody@example.com");
    private Optional<EndpointId> endpointId = Optional.empty();
    private Optional<ConversationId> conversationId = Optional.empty();
    private SipUri from = SipUri.parse("sip:stranger@elsewhere.example.net");

    static Requests to(String uri) {
        Requests requests = new Requests();
        requests.to = SipUri.parse(uri);
        return requests;
    }

    Requests applicationAor(String uri) {
        applicationAor = Optional.of(SipUri.parse(uri));
        return this;
    }

    Requests epidHeaderParameter(String epid) {
        endpointId = Optional.of(new EndpointId(epid));
        return this;
    }

    Requests conversation(String id) {
        conversationId = Optional.of(new ConversationId(id));
        return this;
    }

    Requests from(String uri) {
        from = SipUri.parse(uri);
        return this;
    }

    Requests inDialog() {
        initial = false;
        return this;
    }

    IncomingRequest build() {
        return new IncomingRequest("MESSAGE", initial, applicationAor, to, endpointId, conversationId, from);
    }
}
