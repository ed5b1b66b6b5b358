package org.switchboard.bench.beans;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.presence.PresenceDocumentException;
import org.switchboard.presence.PresenceStore;

/**
 * The presence endpoint of the soak benchmark: hands every NOTIFY body to the platform's presence store (the
 * presentity is the From AOR, as in a NOTIFY from a presence server) and answers 200; keeps nothing itself, so
 * that what the server's heap holds is the platform's own.
 */
@Named("presence-offer")
@Dependent
public class PresenceOfferEndpoint implements EndpointBehavior {

    private PresenceStore store;

    @Override
    public void start(Endpoint endpoint) {
        store = endpoint.presenceStore();
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        if (!"NOTIFY".equals(request.method())) {
            request.reply(405, "Method Not Allowed");
            return;
        }
        try {
            store.offer(Aor.of(request.from()), request.contentType().orElse(""), request.text());
            request.reply(200);
        } catch (PresenceDocumentException e) {
            request.reply(400, "Bad Presence Document");
        }
    }
}
