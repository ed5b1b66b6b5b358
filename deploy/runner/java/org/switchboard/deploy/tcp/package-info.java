/**
 * The SIP stack's TCP transport, mended where JAIN-SIP 1.3.0-91 (the newest build on Maven Central) loses replies or
 * answers malformed input with a closed connection. The runner installs it through the stack properties
 * {@code gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY} and {@code gov.nist.javax.sip.MESSAGE_PARSER_FACTORY}
 * ({@link org.switchboard.deploy.tcp.TcpTransport}); no jar is patched. UDP is the stack's own.
 */
package org.switchboard.deploy.tcp;
