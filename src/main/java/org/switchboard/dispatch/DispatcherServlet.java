package org.switchboard.dispatch;

import java.io.IOException;
import javax.servlet.ServletException;
import javax.servlet.sip.SipFactory;
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
        if ("NOTIFY".equals(method) && request.getSession(false) != null
                && request.getSession(false).getAttribute(SipSubscriber.DIALOG) instanceof SipSubscriber.DialogOwner owner) {
            owner.subscriber().handleNotify(owner, request); // a NOTIFY of a presence view's subscription
            return;
        }
        Platform platform = Platform.of(getServletContext());
        if ("REGISTER".equals(method) && platform.director().isPresent()) {
            // Director mode: every REGISTER is redirected to the user's home pool instead of being dispatched.
            SipDirector.answer(platform.director().get(), (SipFactory) getServletContext().getAttribute(SIP_FACTORY), request);
            return;
        }
        platform.endpoints().dispatch(request);
    }

    @Override
    protected void doResponse(SipServletResponse response) {
        if (response.getStatus() >= 200
                && response.getRequest().getAttribute(SipSubscriber.ATTEMPT) instanceof SipSubscriber.Attempt attempt) {
            attempt.subscriber().handleResponse(attempt, response);
        } else if (response.getStatus() >= 200
                && response.getRequest().getAttribute(SipRegistrar.ATTEMPT) instanceof SipRegistrar.Attempt attempt) {
            attempt.registrar().handleResponse(attempt, response);
        } else if (response.getRequest().getAttribute(SipOutboundRequest.ANSWER) instanceof PendingAnswer answer) {
            SipOutboundRequest.handleResponse(answer, response); // a request an endpoint sent through the API
        }
    }
}
