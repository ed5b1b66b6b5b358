package org.switchboard.bench.bare;

import java.io.IOException;
import javax.servlet.sip.SipServlet;
import javax.servlet.sip.SipServletRequest;

/** The baseline of the dispatch benchmark: a SIP servlet that answers 200 to everything, and nothing else. */
public final class BareOkServlet extends SipServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doRequest(SipServletRequest request) throws IOException {
        String method = request.getMethod();
        if (!"ACK".equals(method) && !"CANCEL".equals(method)) {
            request.createResponse(200).send();
        }
    }
}
