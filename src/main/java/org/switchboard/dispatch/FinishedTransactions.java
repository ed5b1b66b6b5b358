package org.switchboard.dispatch;

import gov.nist.javax.sip.stack.SIPDialog;
import java.lang.reflect.Field;
import javax.servlet.sip.SipServletMessage;
import javax.sip.Dialog;
import org.mobicents.servlet.sip.core.message.MobicentsSipServletMessage;
import org.mobicents.servlet.sip.core.message.MobicentsTransactionApplicationData;
import org.mobicents.servlet.sip.core.session.MobicentsSipSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a presence subscription's dialog forget the messages and transactions it has finished with. A subscription dialog
 * lives for hours, and without this each one kept, long after the stack and the container were done with them: the
 * request last answered in it (the container hangs its application data on the dialog: the NOTIFY, its 200 and its
 * server transaction, each parsed) and JAIN-SIP's first and last transaction of the dialog (the SUBSCRIBE's client
 * transaction with its request and answer, the last NOTIFY's server transaction) — JAIN-SIP lets those go on an
 * INVITE's ACK only. {@code bench/views memory}, 10,000 views: 21.1 KB of heap per view before, 9.5 KB after.
 *
 * <p>Neither is needed again for a subscription: the dialog reads its first and last transaction for INVITE and REFER
 * handling only, each null-checked, and finds its first transaction again by branch; what the container reads of the
 * dialog's application data is said in {@link #release}. The transactions themselves stay in the stack's table for
 * their timers (32 s for a NOTIFY over UDP) and are cleaned up by the container when they end, as before.
 *
 * <p>The transaction fields are reached by reflection on the jain-sip-ri the runner ships: when they are not there, that
 * part does nothing and says so once.
 */
final class FinishedTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(FinishedTransactions.class);
    private static final Field FIRST = field("firstTransaction");
    private static final Field LAST = field("lastTransaction");

    private FinishedTransactions() {
    }

    private static Field field(String name) {
        try {
            Field f = SIPDialog.class.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.info("Subscription dialogs keep their finished transactions (SIPDialog.{} not reachable: {})", name, e.toString());
            return null;
        }
    }

    /**
     * After the answer to a request of a subscription dialog (a NOTIFY answered, or the 2xx to a SUBSCRIBE sent): lets
     * the dialog forget the transactions and the message it keeps. Not for a NOTIFY that ends the subscription, whose
     * dialog ends with it and which the container cleans up itself.
     */
    static void release(SipServletMessage message) {
        if (!(message instanceof MobicentsSipServletMessage m)) {
            return;
        }
        MobicentsSipSession session = m.getSipSession();
        Dialog dialog = session == null ? null : session.getSessionCreatingDialog();
        if (dialog == null) {
            return;
        }
        // Answering a request in a dialog, the container hangs the request's application data on the dialog (with the
        // request, its answer and its server transaction); Restcomm reads it there again only for INVITE dialogs (a
        // missing ACK or PRACK, a retransmitted 2xx) and to invalidate the session when the dialog ends, and sets it to
        // null itself in those places. The request's own transaction keeps the same data, which is what the container
        // cleans up when the transaction ends. Only the request just answered is let go: a newer one, hung there
        // meanwhile by another thread, is left alone.
        if (dialog.getApplicationData() instanceof MobicentsTransactionApplicationData data && data.getSipServletMessage() == m) {
            dialog.setApplicationData(null);
        }
        if (FIRST != null && LAST != null && dialog instanceof SIPDialog d) {
            try {
                FIRST.set(d, null);
                LAST.set(d, null);
            } catch (IllegalAccessException e) {
                // setAccessible succeeded above; not reached
            }
        }
    }
}
