package org.switchboard.deploy.tcp;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import java.text.ParseException;
import javax.sip.header.ContentLengthHeader;

/**
 * The stack's message parser, with the size check the stack makes too late on TCP. Its stream reader hands over a
 * message's head first; the stack then throws (a stack trace, no answer) when Content-Length alone exceeds
 * MAX_MESSAGE_SIZE, and otherwise leaves the body unread when it would not fit the limit's remainder, answering 513
 * with a stack trace and reading the body as the next message. Here such a head, on a {@link TcpConnection}, is
 * refused at once (513 and the connection closed) and the stack never sees it. Datagrams are the stack's affair.
 */
final class SizeLimitedParser implements MessageParser {

    private final MessageParser parser;
    private final int limit;

    SizeLimitedParser(MessageParser parser, int limit) {
        this.parser = parser;
        this.limit = limit;
    }

    @Override
    public SIPMessage parseSIPMessage(byte[] bytes, boolean readBody, boolean strict, ParseExceptionListener listener)
            throws ParseException {
        SIPMessage message = parser.parseSIPMessage(bytes, readBody, strict, listener);
        if (message == null || readBody || limit <= 0 || !(listener instanceof TcpConnection connection)) {
            return message;
        }
        long size = size(bytes, message.getContentLength());
        if (size < limit) {
            return message;
        }
        connection.refuseTooLarge(message, size, limit);
        return null; // the stack's reader skips it
    }

    /**
     * The bytes the stack counts against its limit: the head as read (its line reader dropped a CR from each line)
     * and the declared body.
     */
    private static long size(byte[] head, ContentLengthHeader contentLength) {
        long lines = 0;
        for (byte b : head) {
            if (b == '\n') {
                lines++;
            }
        }
        return head.length + lines + (contentLength == null ? 0 : Math.max(0, contentLength.getContentLength()));
    }
}
