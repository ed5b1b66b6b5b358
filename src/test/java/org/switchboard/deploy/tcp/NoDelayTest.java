package org.switchboard.deploy.tcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The SIP TCP sockets send each message at once (TCP_NODELAY), the accepted ones and the opened ones alike. */
class NoDelayTest {

    @Test
    void an_accepted_socket_and_an_opened_one_get_tcp_nodelay() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket listening = new ServerSocket(0, 1, loopback);
                Socket opened = new Socket()) {
            opened.connect(new InetSocketAddress(loopback, listening.getLocalPort()), 5000);
            try (Socket accepted = listening.accept()) {
                assertFalse(accepted.getTcpNoDelay(), "the JDK's default, which the stack kept");
                TcpConnection.noDelay(accepted);
                TcpConnection.noDelay(opened);
                assertTrue(accepted.getTcpNoDelay());
                assertTrue(opened.getTcpNoDelay());
            }
        }
    }

    @Test
    void a_closed_socket_is_left_alone() throws Exception {
        Socket closed = new Socket();
        closed.close();
        TcpConnection.noDelay(closed); // no exception: its next write fails and is handled there
        assertTrue(closed.isClosed());
    }
}
