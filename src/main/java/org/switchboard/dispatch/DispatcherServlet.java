package org.switchboard.dispatch;

import java.io.IOException;
import javax.servlet.ServletException;
import javax.servlet.sip.SipServlet;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;
import org.switchboard.platform.Platform;

/**
 * The archive's main SIP servlet: every request the container routes to Switchboard arrives here
 * and goes to the endpoint the dispatch rules choose.
 */
public final class DispatcherServlet extends SipServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doRequest(SipServletRequest request) throws ServletException, IOException {
        String method = request.getMethod();
        if ("ACK".equals(method) || "CANCEL".equals(method)) {
            return; // never answered; the container handles CANCEL itself
        }
        Platform.of(getServletContext()).endpoints().dispatch(request);
    }

    @Override
    protected void doResponse(SipServletResponse response) {
        // Responses to requests endpoints sent: nothing waits for them yet.
    }
}
