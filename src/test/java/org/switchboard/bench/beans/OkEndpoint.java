package org.switchboard.bench.beans;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;

/** The endpoint of the dispatch benchmark: answers 200, so that only dispatch differs from the bare servlet. */
@Named("ok")
@Dependent
public class OkEndpoint implements EndpointBehavior {

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        request.reply(200);
    }
}
