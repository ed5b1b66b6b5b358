package org.switchboard.endpoint;

import java.io.IOException;

/**
 * What a developer writes to make an endpoint: a CDI bean, {@code @Named} with the name the
 * configuration's {@code bean} key uses, {@code @Dependent} so that every endpoint (and every
 * instance of an application pool) gets its own object.
 *
 * <pre>{@code
 * @Named("greeter") @Dependent
 * public class Greeter implements EndpointBehavior {
 *     public void onRequest(InboundRequest request) throws IOException {
 *         request.reply(200, "OK", "text/plain", "hello from " + request.endpoint().owner());
 *     }
 * }
 * }</pre>
 */
public interface EndpointBehavior {

    /** Called once before the first request, with the endpoint this bean implements. */
    default void start(Endpoint endpoint) {
    }

    /**
     * A request delivered to this endpoint. Answer it ({@link InboundRequest#reply}) or hand it on
     * ({@link InboundRequest#redispatch}); ACK and CANCEL never arrive here.
     */
    void onRequest(InboundRequest request) throws IOException;

    /** Called once when the platform stops. */
    default void stop() {
    }
}
