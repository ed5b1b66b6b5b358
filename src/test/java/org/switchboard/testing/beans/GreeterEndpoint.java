package org.switchboard.testing.beans;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;

/** A developer's own endpoint bean, as the README shows; packed into its own jar by CustomBeanIT. */
@Named("greeter")
@Dependent
public class GreeterEndpoint implements EndpointBehavior {

    /** This endpoint's settings section. */
    public record Settings(String greeting) {
    }

    private String greeting;

    @Override
    public void start(Endpoint endpoint) {
        greeting = endpoint.settings(Settings.class).greeting();
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        request.reply(200, "OK", "text/plain", greeting + " (" + request.endpoint().owner() + ")");
    }
}
