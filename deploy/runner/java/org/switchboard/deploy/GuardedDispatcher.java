package org.switchboard.deploy;

import gov.nist.javax.sip.message.SIPRequest;
import java.text.ParseException;
import java.util.Set;
import javax.sip.RequestEvent;
import javax.sip.SipException;
import javax.sip.SipProvider;
import javax.sip.address.SipURI;
import javax.sip.header.RouteHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.mobicents.servlet.sip.core.SipApplicationDispatcherImpl;
import org.mobicents.servlet.sip.message.SipFactoryImpl;

/**
 * Restcomm's dispatcher with two corrections for a server that only ever acts as a user agent.
 * <p>
 * It never relays. The container forwards a request it takes for a subsequent one, but cannot give to an
 * application, to the host in its Request-URI (JSR 289's "proxy statelessly"): an anonymous open relay. Together
 * with {@link NoRelayMessageFactory} (dialog-less BYE, PRACK, UPDATE and INFO reach the application as initial
 * requests) and the application router's {@code ALL} line (every initial request goes to Switchboard), this class
 * closes the remaining paths: an ACK that matches no dialog is dropped (it acknowledges a final response the stack
 * has dealt with, or it is foreign), and a request outside any dialog whose top Route is this server's and carries
 * the container's own proxy-path parameters is answered 481 (Switchboard never proxies: no such path exists).
 * <p>
 * A request that lacks a header its method requires (a NOTIFY without Subscription-State, say) is answered 400
 * naming the header; the container would refuse to open a transaction for it and answer 500.
 */
public final class GuardedDispatcher extends SipApplicationDispatcherImpl {

    /** Route parameters the container writes for proxy paths; on a dialog-less request they are forged or stale. */
    private static final Set<String> CONTAINER_ROUTE_PARAMETERS = Set.of("proxy", "appname", "app_id");

    @Override
    public void processRequest(RequestEvent event) {
        Request request = event.getRequest();
        if (event.getDialog() == null) {
            if (Request.ACK.equals(request.getMethod())) {
                return;
            }
            if (carriesContainerRoute(request)) {
                answer(event, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null);
                return;
            }
        }
        if (event.getServerTransaction() == null && request instanceof SIPRequest sipRequest) {
            try {
                sipRequest.checkHeaders();
            } catch (ParseException e) {
                answer(event, Response.BAD_REQUEST, "Bad Request: " + printable(e.getMessage()));
                return;
            }
        }
        super.processRequest(event);
    }

    private boolean carriesContainerRoute(Request request) {
        RouteHeader route = (RouteHeader) request.getHeader(RouteHeader.NAME);
        if (route == null || !(route.getAddress().getURI() instanceof SipURI uri) || isRouteExternal(route)) {
            return false;
        }
        for (String name : CONTAINER_ROUTE_PARAMETERS) {
            if (uri.getParameter(name) != null) {
                return true;
            }
        }
        return false;
    }

    /** A stateless answer: nothing of this request is kept. */
    private static void answer(RequestEvent event, int status, String reasonPhrase) {
        try {
            Response response = SipFactoryImpl.messageFactory.createResponse(status, event.getRequest());
            if (reasonPhrase != null) {
                response.setReasonPhrase(reasonPhrase);
            }
            ((SipProvider) event.getSource()).sendResponse(response);
        } catch (ParseException | SipException | RuntimeException e) {
            // The sender retransmits or gives up; nothing was relayed either way.
        }
    }

    private static String printable(String message) {
        String text = message == null ? "missing header" : message.replaceAll("\\p{Cntrl}", "?");
        return text.length() > 80 ? text.substring(0, 80) : text;
    }
}
