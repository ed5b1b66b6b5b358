package org.switchboard.deploy.tcp;

import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.ContentLength;
import gov.nist.javax.sip.header.From;
import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.TCPMessageChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Optional;
import java.util.Set;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.log4j.Logger;

/**
 * One TCP connection of the stack, with these changes to the stack's own channel:
 * <ul>
 * <li>what it sends goes on its own socket while that is open (RFC 3261 §18.2.2: a response on the connection its
 * request came in on). The stack looks the socket up in its table by the peer's address and port instead, and when it
 * finds another there, adopts that socket as the channel's own (and fails on it when it has meanwhile closed);</li>
 * <li>closing it forgets its socket in that table only if the entry is still its own: a newer connection from the
 * same peer address and port (a client that binds a fixed local port) keeps its entry;</li>
 * <li>a request with an unparseable mandatory header is answered 400 on the connection, which stays open (closed
 * after the answer when its Content-Length is what could not be read: the next message's start is then unknown);</li>
 * <li>a request too large for the stack's MAX_MESSAGE_SIZE is answered 513 and the connection closed
 * ({@link SizeLimitedParser}); the stack would throw, log a stack trace and leave the connection half read.</li>
 * </ul>
 * The superclass starts the reading thread from its constructor, before this class's fields could be initialised:
 * the only field here is a flag whose default (false) is its initial value.
 */
final class TcpConnection extends TCPMessageChannel {

    private static final Logger LOG = Logger.getLogger(TcpConnection.class);

    /** The headers without which the stack drops a message (its own list, for which it closed the connection). */
    private static final Set<Class<?>> MANDATORY = Set.of(From.class, To.class, CSeq.class, Via.class, CallID.class,
            ContentLength.class, RequestLine.class);

    /** Set once a message was refused as too large: whatever of it the parser still reads is not processed. */
    private volatile boolean refused;

    /** A connection a peer opened. */
    TcpConnection(Socket socket, SIPTransactionStack stack, TcpListener listener, String threadName) throws IOException {
        super(socket, stack, listener, threadName);
    }

    /** A connection the stack will open to a peer when it first sends; its listener caches it. */
    TcpConnection(InetAddress peer, int port, SIPTransactionStack stack, TcpListener listener) throws IOException {
        super(peer, port, stack, listener);
        isCached = true;
    }

    @Override
    public void close(boolean removeSocket, boolean stopKeepAliveTask) {
        Socket own = mySock;
        super.close(false, stopKeepAliveTask);
        if (removeSocket && key != null) {
            // The stack's key is "tcp:address:port"; its socket table's is "address:port".
            SocketTable.forget(sipStack, key.substring(key.indexOf(':') + 1), own);
        }
    }

    @Override
    protected synchronized void sendMessage(byte[] message, boolean retry) throws IOException {
        if (!write(message)) {
            super.sendMessage(message, retry); // no open socket of its own: the stack's way (it may connect anew)
            Socket opened = mySock;
            if (opened != null && !opened.isClosed()) {
                noDelay(opened);
            }
        }
    }

    /**
     * Every message is written whole and at once, so Nagle's algorithm only delays it: without TCP_NODELAY the stack's
     * sockets held each answer until the peer's next segment acknowledged the one before (at 2,000 requests/s on one
     * connection, every answer waited ~0.5 ms, the gap to the next request; the last one of a burst the peer's 40 ms
     * delayed ACK). Neither the stack nor the container sets it.
     */
    static void noDelay(Socket socket) {
        try {
            if (!socket.getTcpNoDelay()) {
                socket.setTcpNoDelay(true);
            }
        } catch (IOException e) {
            // a socket closing under us: its next write fails and is handled there
        }
    }

    @Override
    public void handleException(ParseException ex, SIPMessage message, @SuppressWarnings("rawtypes") Class header,
            String headerText, String raw) throws ParseException {
        if (header == null || !MANDATORY.contains(header)) {
            super.handleException(ex, message, header, headerText, raw); // kept as an unparsed header
            return;
        }
        boolean framingLost = header == ContentLength.class;
        if (isResponseOrAck(raw)) { // never answered; dropped as the stack does
            if (framingLost) {
                close();
            }
            throw ex;
        }
        String problem = header == RequestLine.class ? "Request-Line" : headerName(headerText);
        Optional<String> reply = raw == null ? Optional.empty() : BadRequestReply.to(raw, "unparseable " + problem);
        if (reply.isPresent() && write(reply.get().getBytes(StandardCharsets.UTF_8))) {
            LOG.warn("SIP over TCP from " + peer() + ": unparseable " + problem + ", answered 400"
                    + (framingLost ? " and closed the connection" : ""));
        } else {
            framingLost = true;
            LOG.warn("SIP over TCP from " + peer() + ": unparseable " + problem
                    + " in a request that cannot be answered; closed the connection");
        }
        if (framingLost) {
            close();
        }
        throw ex; // the stack's parser skips the message
    }

    /**
     * Answers {@code message} 513 when it is a request (a response or an ACK gets no answer), then closes the
     * connection, reading no more of it.
     */
    void refuseTooLarge(SIPMessage message, long size, int limit) {
        refused = true;
        String answered = "";
        if (message instanceof SIPRequest request && !Request.ACK.equals(request.getMethod())) {
            try {
                if (write(request.createResponse(Response.MESSAGE_TOO_LARGE).encodeAsBytes(getTransport()))) {
                    answered = ", answered 513";
                }
            } catch (RuntimeException incomplete) {
                // a request without the headers a response copies: closing is all that is left
            }
        }
        LOG.warn("SIP over TCP from " + peer() + ": message of " + size + " bytes or more, over the limit of " + limit
                + answered + "; closed the connection");
        close();
    }

    @Override
    public void processMessage(SIPMessage message) throws Exception {
        if (!refused) {
            super.processMessage(message);
        }
    }

    /** Writes on this connection's own socket; false when it has none open, or the write failed. */
    private boolean write(byte[] bytes) {
        Socket socket = mySock;
        if (socket == null || socket.isClosed()) {
            return false;
        }
        try {
            OutputStream out = socket.getOutputStream();
            synchronized (out) { // the stack's sender locks the same stream
                out.write(bytes);
                out.flush();
            }
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    private String peer() {
        return getPeerAddress() + ":" + getPeerPort();
    }

    private static String headerName(String headerText) {
        int colon = headerText == null ? -1 : headerText.indexOf(':');
        return colon > 0 ? headerText.substring(0, colon).trim() : "header";
    }

    private static boolean isResponseOrAck(String raw) {
        return raw != null && (raw.startsWith("SIP/") || raw.startsWith("ACK "));
    }
}
