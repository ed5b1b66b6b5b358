package org.switchboard.endpoint;

import java.io.IOException;

/** A request an endpoint is about to send; built fluently, then sent once. */
public interface OutboundRequest {

    /** Sets the To header (by default the target). */
    OutboundRequest to(SipUri to);

    OutboundRequest header(String name, String value);

    OutboundRequest body(String contentType, byte[] content);

    /** Sends it; the final response is logged, not returned. */
    void send() throws IOException;
}
