package org.switchboard.testing.beans;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;

/** A developer's bean with a bug: it throws on every request. Packed into its own jar by CustomBeanIT. */
@Named("failing")
@Dependent
public class FailingEndpoint implements EndpointBehavior {

    @Override
    public void onRequest(InboundRequest request) {
        throw new IllegalStateException("failing bean: a bug in " + request.method() + " handling");
    }
}
