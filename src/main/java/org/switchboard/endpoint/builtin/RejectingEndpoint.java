package org.switchboard.endpoint.builtin;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;

/** {@code bean: reject} — answers every request with one final status, 403 unless configured. */
@Named("reject")
@Dependent
public class RejectingEndpoint implements EndpointBehavior {

    /** {@code settings:} of a rejecting endpoint. */
    public record Settings(Integer status, String reason) {
        public Settings {
            status = status == null ? 403 : status;
            if (status < 300 || status > 699) {
                throw new IllegalArgumentException("status must be a final error status from 300 to 699, found " + status);
            }
        }
    }

    private Settings settings;

    @Override
    public void start(Endpoint endpoint) {
        settings = endpoint.settings(Settings.class);
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        if (settings.reason() == null) {
            request.reply(settings.status());
        } else {
            request.reply(settings.status(), settings.reason());
        }
    }
}
