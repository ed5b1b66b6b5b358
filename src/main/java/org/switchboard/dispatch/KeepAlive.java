package org.switchboard.dispatch;

import java.io.IOException;
import java.util.Optional;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;

/**
 * The platform's own answer to OPTIONS that no endpoint takes: 200, a keep-alive any peer can use; 503 with the
 * reason and {@code Retry-After} while the instance is not ready for new work (starting, draining), which is how a
 * load balancer's probe (Kamailio's dispatcher) learns to send it nothing new.
 */
final class KeepAlive {

    static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE";

    private KeepAlive() {
    }

    static void answer(SipServletRequest request, Optional<String> notReady) throws IOException {
        if (notReady.isPresent()) {
            SipServletResponse unavailable = request.createResponse(SipServletResponse.SC_SERVICE_UNAVAILABLE, notReady.get());
            unavailable.setHeader("Retry-After", "5");
            unavailable.send();
            return;
        }
        SipServletResponse ok = request.createResponse(SipServletResponse.SC_OK);
        ok.setHeader("Allow", ALLOW);
        ok.setHeader("Accept", "application/sdp, text/plain, application/pidf+xml");
        ok.send();
    }
}
