package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.testing.FreePorts;
import org.switchboard.testing.RunningSwitchboard;

/**
 * The runner's SIP over TCP as a client with a fixed local port meets it: a connection from the port of one that
 * has just closed is answered on that connection (the stack's own connection cache lost such replies, about one in
 * six); malformed input gets the 4xx the stack can still send instead of a closed connection.
 */
class TcpTransportIT {

    private static final int RECONNECTS = 150;
    private static final int REPLY_WAIT_MS = 2000;

    @TempDir
    static Path work;
    private static RunningSwitchboard server;

    @BeforeAll
    static void start() throws IOException {
        server = RunningSwitchboard.in(work).configText("""
                endpoints:
                  - aor: sip:echo@example.com
                    bean: echo
                """).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void every_connection_from_a_reused_local_port_is_answered_on_that_connection() throws Exception {
        int local = FreePorts.udpAndTcp();
        Map<String, Integer> replies = new TreeMap<>();
        for (int i = 0; i < RECONNECTS; i++) {
            // Reset by the client when done: no TIME_WAIT, so the next connection comes from the same port at once.
            try (Socket socket = connectFrom(local)) {
                socket.getOutputStream().write(options(local, "reuse-" + i));
                replies.merge(status(socket), 1, Integer::sum);
                socket.setSoLinger(true, 0);
            }
        }
        assertThat(replies).as("replies to OPTIONS on %d connections in turn from local port %d (none: no reply"
                + " within %d ms)", RECONNECTS, local, REPLY_WAIT_MS).isEqualTo(Map.of("200", RECONNECTS));
        // The stack adopted the socket it found for the peer's address and port, and failed on it once closed.
        assertThat(server.stderr()).as("the server's log").doesNotContain("failed on OPTIONS");
    }

    private static Socket connectFrom(int localPort) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort));
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.sipPort()), 5000);
        socket.setSoTimeout(REPLY_WAIT_MS);
        return socket;
    }

    private static byte[] options(int localPort, String id) {
        return ("OPTIONS sip:echo@example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:" + localPort + ";branch=z9hG4bK" + id.replaceAll("[^A-Za-z0-9]", "")
                + System.nanoTime() + "\r\n"
                + "From: <sip:tcp@127.0.0.1>;tag=t" + Math.abs(id.hashCode()) + "\r\n"
                + "To: <sip:echo@example.com>\r\n"
                + "Call-ID: " + id + "-" + System.nanoTime() + "@tcp.test\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "Max-Forwards: 70\r\n"
                + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The status code of the first response on the connection; "closed" at end of stream, "none" on no reply in time. */
    private static String status(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        try {
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    if (line.toString().startsWith("SIP/2.0 ")) {
                        return line.substring(8, 11);
                    }
                    line.setLength(0);
                } else if (line.length() < 200) {
                    line.append((char) b);
                }
            }
            return "closed";
        } catch (SocketTimeoutException none) {
            return "none";
        }
    }
}
