package org.switchboard.endpoint.builtin;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.SipUri;

/**
 * {@code bean: echo} — answers OPTIONS and MESSAGE with 200, then sends each MESSAGE body back to
 * its sender in a new MESSAGE (to the sender's Contact, else its From). Other methods get 405.
 */
@Named("echo")
@Dependent
public class EchoEndpoint implements EndpointBehavior {

    /** An echo endpoint takes no {@code settings:}; binding this refuses any key given. */
    public record Settings() {
    }

    @Override
    public void start(Endpoint endpoint) {
        endpoint.settings(Settings.class);
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        switch (request.method()) {
            case "OPTIONS" -> request.reply(200);
            case "MESSAGE" -> {
                request.reply(200);
                SipUri sender = request.contact().orElse(request.from());
                request.endpoint().newRequest("MESSAGE", sender)
                        .to(request.from())
                        .body(request.contentType().orElse("text/plain"), request.content())
                        .send();
            }
            default -> request.replyMethodNotAllowed("OPTIONS", "MESSAGE");
        }
    }
}
