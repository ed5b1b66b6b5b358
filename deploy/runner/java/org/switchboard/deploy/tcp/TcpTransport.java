package org.switchboard.deploy.tcp;

import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.StringMsgParserFactory;
import gov.nist.javax.sip.stack.MessageProcessor;
import gov.nist.javax.sip.stack.MessageProcessorFactory;
import gov.nist.javax.sip.stack.OIOMessageProcessorFactory;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Properties;

/**
 * Installs the mended TCP transport in a JAIN-SIP stack: {@link #configure} names the two factories below in the
 * stack's properties, and the stack instantiates them by name (hence public, with no-argument constructors).
 */
public final class TcpTransport {

    private TcpTransport() {
    }

    /** Sets the stack properties that make the stack use this package's TCP listener and message parser. */
    public static void configure(Properties stackProperties) {
        SocketTable.check(); // fail at start-up, not on the first closed connection, on a stack build that differs
        stackProperties.setProperty("gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY", Listeners.class.getName());
        stackProperties.setProperty("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY", Parsers.class.getName());
    }

    /** TCP listening points are {@link TcpListener}s; the others are the stack's own. */
    public static final class Listeners implements MessageProcessorFactory {
        private final MessageProcessorFactory stackOwn = new OIOMessageProcessorFactory();

        @Override
        public MessageProcessor createMessageProcessor(SIPTransactionStack stack, InetAddress address, int port,
                String transport) throws IOException {
            return "TCP".equalsIgnoreCase(transport) ? new TcpListener(address, stack, port)
                    : stackOwn.createMessageProcessor(stack, address, port, transport);
        }
    }

    /** The stack's parser, checked for size before a TCP message's body is read ({@link SizeLimitedParser}). */
    public static final class Parsers implements MessageParserFactory {
        private final MessageParserFactory stackOwn = new StringMsgParserFactory();

        @Override
        public MessageParser createMessageParser(SIPTransactionStack stack) {
            return new SizeLimitedParser(stackOwn.createMessageParser(stack), stack.getMaxMessageSize());
        }
    }
}
