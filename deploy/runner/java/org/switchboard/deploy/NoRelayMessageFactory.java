package org.switchboard.deploy;

import java.util.Set;
import javax.sip.Dialog;
import javax.sip.ServerTransaction;
import javax.sip.Transaction;
import javax.sip.message.Request;
import org.mobicents.servlet.sip.core.RoutingState;
import org.mobicents.servlet.sip.core.message.MobicentsSipServletRequest;
import org.mobicents.servlet.sip.core.session.MobicentsSipSession;
import org.mobicents.servlet.sip.message.Servlet3SipServletMessageFactory;
import org.mobicents.servlet.sip.message.SipServletRequestImpl;

/**
 * The container's message factory, except that a BYE, PRACK, UPDATE or INFO that arrives outside any dialog is an
 * initial request. Restcomm takes these methods for subsequent requests whatever their dialog, and a subsequent
 * request that no application owns is relayed to its Request-URI's host. As initial requests they reach
 * Switchboard through the application router like any other, and Switchboard answers them (481 for the methods that
 * exist only in a dialog, the endpoint's answer or 404 for INFO).
 */
public final class NoRelayMessageFactory extends Servlet3SipServletMessageFactory {

    private static final Set<String> DIALOG_METHODS = Set.of(Request.BYE, Request.PRACK, Request.UPDATE, Request.INFO);

    @Override
    public MobicentsSipServletRequest createSipServletRequest(Request request, MobicentsSipSession sipSession,
            Transaction transaction, Dialog dialog, boolean createDialog) {
        MobicentsSipServletRequest created = super.createSipServletRequest(request, sipSession, transaction, dialog, createDialog);
        if (dialog == null && transaction instanceof ServerTransaction && DIALOG_METHODS.contains(request.getMethod())
                && created instanceof SipServletRequestImpl impl) {
            impl.setRoutingState(RoutingState.INITIAL);
        }
        return created;
    }
}
