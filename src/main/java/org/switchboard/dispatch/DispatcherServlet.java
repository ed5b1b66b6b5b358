package org.switchboard.dispatch;

import java.io.IOException;
import javax.servlet.ServletException;
import javax.servlet.sip.SipServlet;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;

/**
 * The archive's main SIP servlet: every request the container routes to Switchboard arrives here.
 * OPTIONS is answered at once (a keep-alive any SIP peer can use); other requests find no
 * endpoint yet.
 */
public final class DispatcherServlet extends SipServlet {

    private static final long serialVersionUID = 1L;

    static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE";

    @Override
    protected void doRequest(SipServletRequest request) throws ServletException, IOException {
        String method = request.getMethod();
        if ("ACK".equals(method) || "CANCEL".equals(method)) {
            return; // no response is ever sent to these; the container handles CANCEL itself
        }
        if ("OPTIONS".equals(method)) {
            SipServletResponse ok = request.createResponse(SipServletResponse.SC_OK);
            ok.setHeader("Allow", ALLOW);
            ok.setHeader("Accept", "application/sdp, text/plain, application/pidf+xml");
            ok.send();
            return;
        }
        if (!request.isInitial()) {
            request.createResponse(SipServletResponse.SC_CALL_LEG_DONE, "Call/Transaction Does Not Exist").send();
            return;
        }
        request.createResponse(SipServletResponse.SC_NOT_FOUND, "No matching endpoint").send();
    }
}
