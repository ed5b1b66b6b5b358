package org.switchboard.dispatch;

import java.io.IOException;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;

/** The platform's own answer to OPTIONS that no endpoint takes: 200, a keep-alive any peer can use. */
final class KeepAlive {

    static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE";

    private KeepAlive() {
    }

    static void answer(SipServletRequest request) throws IOException {
        SipServletResponse ok = request.createResponse(SipServletResponse.SC_OK);
        ok.setHeader("Allow", ALLOW);
        ok.setHeader("Accept", "application/sdp, text/plain, application/pidf+xml");
        ok.send();
    }
}
