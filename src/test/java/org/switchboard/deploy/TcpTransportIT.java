package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.RunningSwitchboard;

/**
 * The runner's SIP over TCP as a client with a fixed local port meets it: a connection from the port of one that
 * has just closed is answered on that connection (the stack's own connection cache lost such replies, about one in
 * six); malformed input gets the 4xx the stack can still send instead of a closed connection.
 */
class TcpTransportIT {

    private static final int RECONNECTS = 150;
    private static final int INCOMPLETE_THEN_REUSED = 30;
    private static final int REPLY_WAIT_MS = 2000;
    private static final Pattern STATUS = Pattern.compile("^SIP/2\\.0 (\\d{3})");
    private static final Pattern CALL_ID = Pattern.compile("(?im)^(?:Call-ID|i)\\s*:\\s*(\\S+)");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^(?:Content-Length|l)\\s*:\\s*(\\d+)");

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
        LogSince log = new LogSince();
        Map<String, Integer> replies = new TreeMap<>();
        for (int i = 0; i < RECONNECTS; i++) {
            // Reset by the client when done: no TIME_WAIT, so the next connection comes from the same port at once.
            try (Socket socket = connectFrom(local)) {
                socket.getOutputStream().write(options(local, "reuse-" + i));
                replies.merge(status(socket, "reuse-" + i), 1, Integer::sum);
                socket.setSoLinger(true, 0);
            }
        }
        assertThat(replies).as("replies to OPTIONS on %d connections in turn from local port %d (none: no reply"
                + " within %d ms); the server's log meanwhile:%n%s", RECONNECTS, local, REPLY_WAIT_MS, log.added())
                .isEqualTo(Map.of("200", RECONNECTS));
        // The stack adopted the socket it found for the peer's address and port, and failed on it once closed.
        assertThat(server.stderr()).as("the server's log").doesNotContain("failed on OPTIONS");
    }

    @Test
    void a_connection_from_the_port_of_one_reset_with_its_message_incomplete_is_answered() throws Exception {
        int local = FreePorts.udpAndTcp();
        Map<String, Integer> replies = new TreeMap<>();
        for (int i = 0; i < INCOMPLETE_THEN_REUSED; i++) {
            try (Socket first = connectFrom(local)) {
                // a MESSAGE whose body is shorter than its Content-Length: the stack still waits for the rest
                first.getOutputStream().write(replace(request("MESSAGE", local, "incomplete-" + i), "Content-Length: 0",
                        "Content-Type: text/plain\r\nContent-Length: 500\r\n\r\nhello"));
                Thread.sleep(100);
                first.setSoLinger(true, 0);
            }
            try (Socket next = connectFrom(local)) {
                next.getOutputStream().write(options(local, "after-incomplete-" + i));
                replies.merge(status(next, "after-incomplete-" + i), 1, Integer::sum);
                next.setSoLinger(true, 0);
            }
        }
        assertThat(replies).as("replies to OPTIONS on %d connections from local port %d, each after one reset with its"
                + " message incomplete", INCOMPLETE_THEN_REUSED, local).isEqualTo(Map.of("200", INCOMPLETE_THEN_REUSED));
    }

    @Test
    void a_request_with_an_unparseable_header_is_answered_400_on_its_connection_which_stays_open() throws Exception {
        LogSince log = new LogSince();
        try (Socket socket = connectFrom(0)) {
            socket.getOutputStream().write(replace(options(socket.getLocalPort(), "bad-cseq"), "CSeq: 1 OPTIONS", "CSeq: abc OPTIONS"));
            assertThat(status(socket, "bad-cseq")).as("reply to a CSeq that is not a number").isEqualTo("400");
            socket.getOutputStream().write(options(socket.getLocalPort(), "after-bad-cseq"));
            assertThat(status(socket, "after-bad-cseq")).as("reply to a valid OPTIONS next on the same connection").isEqualTo("200");
            log.assertOneWarningAbout(socket.getLocalPort());
        }
        assertStillServing();
    }

    @Test
    void a_request_whose_content_length_is_unreadable_is_answered_400_then_the_connection_closed() throws Exception {
        LogSince log = new LogSince();
        try (Socket socket = connectFrom(0)) {
            socket.getOutputStream().write(replace(options(socket.getLocalPort(), "negative-length"), "Content-Length: 0",
                    "Content-Length: -5"));
            assertThat(status(socket, "negative-length")).as("reply to a negative Content-Length").isEqualTo("400");
            // where the next message starts is unknown
            assertThat(status(socket, null)).as("then").isEqualTo("closed");
            log.assertOneWarningAbout(socket.getLocalPort());
        }
        assertStillServing();
    }

    @Test
    void a_request_whose_content_length_exceeds_the_limit_is_answered_513_then_the_connection_closed() throws Exception {
        LogSince log = new LogSince();
        try (Socket socket = connectFrom(0)) {
            // the 1 MB body need not be sent: the head says it all
            socket.getOutputStream().write(withBody(options(socket.getLocalPort(), "huge"), 1_000_000, 10_000));
            assertThat(status(socket, "huge")).as("reply to Content-Length 1000000 (MAX_MESSAGE_SIZE 65536)").isEqualTo("513");
            assertThat(status(socket, null)).as("then").isEqualTo("closed");
            log.assertOneWarningAbout(socket.getLocalPort());
        }
        assertStillServing();
    }

    @Test
    void a_request_whose_head_and_body_together_exceed_the_limit_is_answered_513_then_the_connection_closed() throws Exception {
        LogSince log = new LogSince();
        try (Socket socket = connectFrom(0)) {
            // a body within the limit, the whole message not
            socket.getOutputStream().write(withBody(options(socket.getLocalPort(), "large"), 65_400, 65_400));
            assertThat(status(socket, "large")).as("reply to a 65,400-byte body after its head (MAX_MESSAGE_SIZE 65536)").isEqualTo("513");
            assertThat(status(socket, null)).as("then").isEqualTo("closed");
            log.assertOneWarningAbout(socket.getLocalPort());
        }
        assertStillServing();
    }

    /** A valid OPTIONS on a new connection is answered. */
    private static void assertStillServing() throws IOException {
        try (Socket socket = connectFrom(0)) {
            socket.getOutputStream().write(options(socket.getLocalPort(), "still-serving"));
            assertThat(status(socket, "still-serving")).as("reply to OPTIONS on a new connection afterwards").isEqualTo("200");
        }
    }

    /** The server's log from now on. */
    private static final class LogSince {
        private final int from;

        LogSince() throws IOException {
            from = server.stderr().length();
        }

        /** What the server has logged since. */
        String added() throws IOException {
            return server.stderr().substring(from);
        }

        /** One WARN line names the client's port, and the log has no stack trace (none printed by the stack either). */
        void assertOneWarningAbout(int clientPort) throws Exception {
            Thread.sleep(200); // the line is written after the reply
            String added = server.stderr().substring(from);
            assertThat(added.lines().filter(line -> line.contains("127.0.0.1:" + clientPort)))
                    .as("log lines about the connection, in:%n%s", added).singleElement().asString().contains(" WARN ");
            assertThat(added.lines().filter(line -> line.startsWith("\tat ") || line.contains("Exception in thread")))
                    .as("stack traces in the log:%n%s", added).isEmpty();
        }
    }

    private static Socket connectFrom(int localPort) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort));
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.sipPort()), 5000);
        socket.setSoTimeout(REPLY_WAIT_MS);
        return socket;
    }

    private static byte[] options(int localPort, String id) {
        return request("OPTIONS", localPort, id);
    }

    private static byte[] request(String method, int localPort, String id) {
        return (method + " sip:echo@example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:" + localPort + ";branch=z9hG4bK" + id.replaceAll("[^A-Za-z0-9]", "")
                + System.nanoTime() + "\r\n"
                + "From: <sip:tcp@127.0.0.1>;tag=t" + Math.abs(id.hashCode()) + "\r\n"
                + "To: <sip:echo@example.com>\r\n"
                + "Call-ID: " + id + "-" + System.nanoTime() + "@tcp.test\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Max-Forwards: 70\r\n"
                // the echo endpoint sends a MESSAGE's body back to its Contact: the discard port, never 5060
                + "Contact: <sip:tcp@127.0.0.1:9;transport=udp>\r\n"
                + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] replace(byte[] message, String from, String to) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        assertThat(text).contains(from);
        return text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The message with Content-Length {@code declared}, of which {@code sent} body bytes follow the head. */
    private static byte[] withBody(byte[] message, int declared, int sent) {
        byte[] head = replace(message, "Content-Length: 0", "Content-Type: text/plain\r\nContent-Length: " + declared);
        byte[] all = Arrays.copyOf(head, head.length + sent);
        Arrays.fill(all, head.length, all.length, (byte) 'x');
        return all;
    }

    /**
     * The status code of the next response on the connection to the request with Call-ID {@code id-…} (any response
     * when {@code id} is null; responses to other requests are skipped); "closed" at end of stream or on a reset,
     * "none" when no reply came in time.
     */
    private static String status(Socket socket, String id) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (true) {
                String head = head(in);
                if (head == null) {
                    return "closed";
                }
                Matcher status = STATUS.matcher(head);
                Matcher callId = CALL_ID.matcher(head);
                if (status.find() && (id == null || callId.find() && callId.group(1).startsWith(id + "-"))) {
                    return status.group(1);
                }
            }
        } catch (SocketTimeoutException none) {
            return "none";
        } catch (SocketException reset) {
            return "closed";
        }
    }

    /** The next message head on the stream (its body skipped), null at end of stream. */
    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            head.append((char) b);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                Matcher length = CONTENT_LENGTH.matcher(head);
                in.skipNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
                return head.toString();
            }
        }
        return null;
    }
}
