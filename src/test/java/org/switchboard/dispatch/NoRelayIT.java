package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Build;
import org.switchboard.testing.OutboundConnectionRecorder;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Switchboard is never a relay (issue 16): every request the container receives ends in Switchboard, answered by an
 * endpoint or rejected, and nothing is forwarded to the host a Request-URI names. A trap listens over UDP and TCP on a
 * loopback port that the requests name; it must receive nothing. A JVM-wide recorder sees every name lookup: a
 * Request-URI host such as {@code example.com} is never resolved. Requests are written raw, as any peer could.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NoRelayIT {

    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final Pattern STATUS = Pattern.compile("^SIP/2\\.0 (\\d{3}) ([^\r\n]*)");

    @TempDir
    static Path work;

    private RunningSwitchboard server;
    private Trap trap;
    private String bobGruu;

    @BeforeAll
    void start() throws Exception {
        trap = new Trap(FreePorts.udpAndTcp());
        server = RunningSwitchboard.in(work)
                .jvmOption("-Djava.security.manager=" + OutboundConnectionRecorder.class.getName())
                .classpath(Build.testClasses().toString())
                .configText("""
                        endpoints:
                          - aor: sip:echo@example.com
                            bean: echo
                          - aor: sip:bob@example.com
                            kind: user
                            bean: echo
                            epid: b1
                        """)
                .start();
        Answer options = udp("OPTIONS", "sip:bob@127.0.0.1:" + server.sipPort(), "<sip:bob@example.com>", "");
        assertThat(options.status()).isEqualTo(200);
        bobGruu = options.header("Contact").map(c -> c.replaceAll("^.*<([^>]*)>.*$", "$1")).orElseThrow();
        assertThat(bobGruu).contains(";gr=");
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.terminate(Duration.ofSeconds(20));
        }
        if (trap != null) {
            trap.close();
        }
    }

    @Test
    void dialog_methods_outside_a_dialog_to_a_foreign_host_are_answered_here_and_never_forwarded() throws Exception {
        String foreign = "sip:anyone@127.0.0.1:" + trap.port;
        for (boolean overTcp : List.of(false, true)) {
            for (String method : List.of("BYE", "PRACK", "UPDATE")) {
                assertThat(send(overTcp, method, foreign, "<" + foreign + ">", "").status())
                        .as(method + (overTcp ? " over TCP" : " over UDP")).isEqualTo(481);
                assertThat(send(overTcp, method, foreign, "<" + foreign + ">;tag=gone", "").status())
                        .as(method + " with a To tag" + (overTcp ? " over TCP" : " over UDP")).isEqualTo(481);
            }
            assertThat(send(overTcp, "INFO", foreign, "<" + foreign + ">", "").status()).as("INFO").isEqualTo(404);
            assertThat(send(overTcp, "INFO", foreign, "<" + foreign + ">;tag=gone", "").status()).as("INFO in a dialog")
                    .isEqualTo(481);
            assertThat(send(overTcp, "FROBNICATE", foreign, "<" + foreign + ">", "").status()).as("an unknown method")
                    .isEqualTo(404);
            assertThat(send(overTcp, "MESSAGE", foreign, "<" + foreign + ">", "").status()).as("MESSAGE").isEqualTo(404);
            sendAck(overTcp, foreign);
        }
        assertThat(trap.quietFor(Duration.ofSeconds(2))).as("what reached the trap").isEmpty();
        assertThat(server.stderr()).doesNotContain("cannot proxy statelessly");
    }

    @Test
    void a_forged_proxy_route_to_this_server_is_answered_481_and_not_followed() throws Exception {
        String foreign = "sip:anyone@127.0.0.1:" + trap.port;
        String route = "Route: <sip:127.0.0.1:" + server.sipPort() + ";lr;proxy=true;appname=x;app_id=1>\r\n";
        for (boolean overTcp : List.of(false, true)) {
            assertThat(send(overTcp, "MESSAGE", foreign, "<" + foreign + ">", route).status()).isEqualTo(481);
            assertThat(send(overTcp, "BYE", foreign, "<" + foreign + ">;tag=x", route).status()).isEqualTo(481);
        }
        assertThat(trap.quietFor(Duration.ofSeconds(2))).as("what reached the trap").isEmpty();
    }

    @Test
    void info_to_an_endpoints_gruu_in_a_foreign_domain_reaches_the_endpoint_which_answers_405_and_nothing_is_resolved()
            throws Exception {
        for (boolean overTcp : List.of(false, true)) {
            Answer answer = send(overTcp, "INFO", bobGruu, "<" + bobGruu + ">", "");
            assertThat(answer.status()).isEqualTo(405);
            assertThat(answer.header("Allow").map(allow -> List.of(allow.split("\\s*,\\s*"))).orElse(List.of()))
                    .containsExactlyInAnyOrder("OPTIONS", "MESSAGE");
            assertThat(answer.header("Contact").orElse("")).as("the endpoint's GRUU").contains(bobGruu);
            Answer update = send(overTcp, "UPDATE", bobGruu, "<" + bobGruu + ">", "");
            assertThat(update.status()).isEqualTo(481);
        }
        assertThat(server.stderr()).doesNotContain(OutboundConnectionRecorder.MARK).doesNotContain("UnknownHost");
    }

    @Test
    void a_notify_outside_a_dialog_without_subscription_state_is_answered_400_naming_the_header() throws Exception {
        for (boolean overTcp : List.of(false, true)) {
            Answer answer = send(overTcp, "NOTIFY", "sip:echo@127.0.0.1:" + server.sipPort(), "<sip:echo@example.com>",
                    "Event: presence\r\n");
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.reason()).containsIgnoringCase("Subscription-State");
        }
    }

    private Answer send(boolean overTcp, String method, String requestUri, String to, String extraHeaders) throws IOException {
        return overTcp ? tcp(method, requestUri, to, extraHeaders) : udp(method, requestUri, to, extraHeaders);
    }

    private Answer udp(String method, String requestUri, String to, String extraHeaders) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            socket.setSoTimeout((int) ANSWER.toMillis());
            byte[] request = request(method, requestUri, to, extraHeaders, "UDP", socket.getLocalPort());
            socket.send(new DatagramPacket(request, request.length, InetAddress.getByName("127.0.0.1"), server.sipPort()));
            byte[] buffer = new byte[65_536];
            while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                Answer answer = Answer.of(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
                if (answer.status() >= 200) {
                    return answer;
                }
            }
        }
    }

    private Answer tcp(String method, String requestUri, String to, String extraHeaders) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            socket.connect(new InetSocketAddress("127.0.0.1", server.sipPort()), (int) ANSWER.toMillis());
            socket.setSoTimeout((int) ANSWER.toMillis());
            socket.getOutputStream().write(request(method, requestUri, to, extraHeaders, "TCP", socket.getLocalPort()));
            InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("connection closed before a final answer: " + text);
                }
                text.append((char) c);
                if (text.toString().endsWith("\r\n\r\n")) {
                    Answer answer = Answer.of(text.toString());
                    int length = answer.header("Content-Length").map(String::trim).map(Integer::parseInt).orElse(0);
                    in.readNBytes(length);
                    if (answer.status() >= 200) {
                        return answer;
                    }
                    text.setLength(0);
                }
            }
        }
    }

    private void sendAck(boolean overTcp, String requestUri) throws IOException {
        String to = "<" + requestUri + ">;tag=gone";
        if (overTcp) {
            try (Socket socket = new Socket("127.0.0.1", server.sipPort())) {
                socket.getOutputStream().write(request("ACK", requestUri, to, "", "TCP", socket.getLocalPort()));
                socket.getOutputStream().flush();
                sleepQuietly(300); // the ACK is read before the connection closes
            }
        } else {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                byte[] request = request("ACK", requestUri, to, "", "UDP", socket.getLocalPort());
                socket.send(new DatagramPacket(request, request.length, InetAddress.getByName("127.0.0.1"), server.sipPort()));
            }
        }
    }

    private static byte[] request(String method, String requestUri, String to, String extraHeaders, String transport, int localPort) {
        String id = UUID.randomUUID().toString();
        String cseqMethod = method;
        String rack = "PRACK".equals(method) ? "RAck: 1 1 INVITE\r\n" : "";
        return (method + " " + requestUri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + localPort + ";branch=z9hG4bK" + id + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:tester@127.0.0.1>;tag=" + id.substring(0, 8) + "\r\n"
                + "To: " + to + "\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\n"
                + "CSeq: 1 " + cseqMethod + "\r\n"
                + "Contact: <sip:tester@127.0.0.1:" + localPort + ";transport=" + transport.toLowerCase() + ">\r\n"
                + rack
                + extraHeaders
                + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A final answer as read off the wire. */
    private record Answer(int status, String reason, String text) {
        static Answer of(String text) {
            Matcher m = STATUS.matcher(text);
            if (!m.find()) {
                throw new IllegalStateException("not a SIP response: " + text);
            }
            return new Answer(Integer.parseInt(m.group(1)), m.group(2), text);
        }

        Optional<String> header(String name) {
            for (String line : text.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return Optional.of(line.substring(colon + 1).trim());
                }
            }
            return Optional.empty();
        }
    }

    /** Listens on one loopback port over UDP and TCP and keeps the first line of whatever arrives. */
    private static final class Trap implements AutoCloseable {
        final int port;
        private final DatagramSocket udp;
        private final ServerSocket tcp;
        private final List<String> received = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new ArrayList<>();

        Trap(int port) throws IOException {
            this.port = port;
            this.udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", port));
            this.tcp = new ServerSocket();
            tcp.bind(new InetSocketAddress("127.0.0.1", port));
            threads.add(daemon(this::readUdp));
            threads.add(daemon(this::acceptTcp));
        }

        private static Thread daemon(Runnable task) {
            Thread thread = new Thread(task, "relay-trap");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        private void readUdp() {
            byte[] buffer = new byte[65_536];
            while (!udp.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    udp.receive(packet);
                    received.add("udp: " + new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8).lines().findFirst().orElse(""));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void acceptTcp() {
            while (!tcp.isClosed()) {
                try (Socket socket = tcp.accept()) {
                    socket.setSoTimeout(500);
                    byte[] first = new byte[200];
                    int n;
                    try {
                        n = socket.getInputStream().read(first);
                    } catch (SocketTimeoutException e) {
                        n = 0;
                    }
                    received.add("tcp: " + (n > 0 ? new String(first, 0, n, StandardCharsets.UTF_8).lines().findFirst().orElse("") : "(connected)"));
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** What arrived so far, after waiting {@code quiet} for anything still on its way. */
        List<String> quietFor(Duration quiet) {
            sleepQuietly(quiet.toMillis());
            return List.copyOf(received);
        }

        @Override
        public void close() throws IOException {
            udp.close();
            tcp.close();
        }
    }
}
