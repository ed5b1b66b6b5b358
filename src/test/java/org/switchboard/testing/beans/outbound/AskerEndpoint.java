package org.switchboard.testing.beans.outbound;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.endpoint.NoResponseException;
import org.switchboard.endpoint.SipResponse;
import org.switchboard.endpoint.SipUri;

/**
 * Asks a peer on a sender's behalf and tells the sender what came of it: a MESSAGE whose body is a SIP URI
 * is answered {@code 202}, a MESSAGE "question" goes to that URI, and the outcome (the final response with the
 * provisional ones heard before it, or the reason none came) goes back to the sender in a MESSAGE of its own,
 * "URI -> outcome". Packed into its own jar by OutboundRequestAnswerIT.
 */
@Named("asker")
@Dependent
public class AskerEndpoint implements EndpointBehavior {

    @Override
    public void start(Endpoint endpoint) {
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        if (!"MESSAGE".equals(request.method())) {
            request.replyMethodNotAllowed("MESSAGE");
            return;
        }
        SipUri target = SipUri.parse(new String(request.content(), StandardCharsets.UTF_8).trim());
        SipUri sender = request.contact().orElse(request.from());
        SipUri senderAor = request.from();
        Endpoint endpoint = request.endpoint();
        request.reply(202, "Accepted");

        List<Integer> provisionals = new CopyOnWriteArrayList<>();
        endpoint.newRequest("MESSAGE", target)
                .body("text/plain", "question".getBytes(StandardCharsets.UTF_8))
                .onProvisional(response -> provisionals.add(response.status()))
                .send()
                .whenComplete((response, failure) -> endpoint.newRequest("MESSAGE", sender)
                        .to(senderAor)
                        .body("text/plain", (target + " -> " + outcome(response, failure, provisionals)).getBytes(StandardCharsets.UTF_8))
                        .send());
    }

    private static String outcome(SipResponse response, Throwable failure, List<Integer> provisionals) {
        if (failure instanceof NoResponseException none) {
            return none.reason() + ": " + none.getMessage();
        }
        if (failure != null) {
            return "FAILED: " + failure;
        }
        return response.status() + " " + response.reasonPhrase() + " after " + provisionals + " server=" + response.header("Server").orElse("");
    }
}
