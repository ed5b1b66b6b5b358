package org.switchboard.deploy.tcp;

import gov.nist.javax.sip.stack.IOHandler;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.lang.reflect.Field;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * The stack's table of open TCP sockets by peer {@code address:port}, from which it sends every reply. The stack only
 * offers an unconditional removal by key, which is what lost replies: a closing connection removed the entry of a
 * newer connection from the same peer address and port. Reached by reflection (the table is private to
 * {@link IOHandler}); the fields are looked up when the class loads, so a different stack build fails at start-up.
 */
final class SocketTable {

    private static final Field IO_HANDLER = field(SIPTransactionStack.class, "ioHandler");
    private static final Field SOCKETS = field(IOHandler.class, "socketTable");
    private static final Field SEND_LOCKS = field(IOHandler.class, "socketCreationMap");

    private SocketTable() {
    }

    /** Fails when this stack build lacks the fields (by loading the class). */
    static void check() {
        // the static initialiser has run
    }

    /**
     * Forgets {@code socket}, cached under {@code peer}, only while it is still the socket cached there. Like the
     * stack's own removal it then also drops the key's send lock (releasing it for a sender waiting on it), which
     * would otherwise stay behind for every peer port ever seen.
     */
    static void forget(SIPTransactionStack stack, String peer, Socket socket) {
        if (socket == null) {
            return;
        }
        IOHandler handler = (IOHandler) read(IO_HANDLER, stack);
        Map<String, Socket> sockets = cast(read(SOCKETS, handler));
        if (sockets.remove(peer, socket)) {
            Map<String, Semaphore> locks = cast(read(SEND_LOCKS, handler));
            Semaphore lock = locks.remove(peer);
            if (lock != null) {
                lock.release();
            }
        }
    }

    private static Field field(Class<?> owner, String name) {
        try {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("This JAIN-SIP build has no " + owner.getSimpleName() + "." + name
                    + "; Switchboard's TCP transport was written for jain-sip-ri 1.3.0-91", e);
        }
    }

    private static Object read(Field field, Object owner) {
        try {
            return field.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }
}
