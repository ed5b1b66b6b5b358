package org.switchboard.faults;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.switchboard.faults.MalformedSip.Context;
import org.switchboard.faults.MalformedSip.Kind;
import org.switchboard.faults.MalformedSip.Transport;

/**
 * Sends the kinds of {@link MalformedSip} as raw bytes at a bounded rate, round robin, over UDP (one socket, which
 * also receives the replies and answers the echo endpoint's MESSAGEs) and over TCP (a new connection per message, the
 * reply read on it), and tallies what came back per kind and transport.
 *
 * <p>Each TCP connection is bound to a local port that no connection of the run has used before ({@link LocalPorts}).
 * The kernel would otherwise hand a closed connection's port out again. The stack's own TCP transport lost the reply
 * on a new connection from a port whose previous connection it was still tearing down; the runner's transport does
 * not (TcpTransportIT asserts it), but the flood checks the answer to each malformed message, so it keeps the
 * question of port reuse out of the flood.
 */
final class FloodSender implements AutoCloseable {

    /** How long a TCP connection waits for a reply before "none": far beyond a normal reply, short enough to end the round. */
    static final Duration TCP_REPLY_WAIT = Duration.ofSeconds(5);
    /** Connections open at once: bounds the sender's threads (kinds the stack never answers hold one for the full wait). */
    private static final int TCP_CONCURRENCY = 64;

    private static final Pattern CALL_ID = Pattern.compile("(?im)^(?:Call-ID|i)\\s*:\\s*(\\S+)");
    private static final Pattern STATUS = Pattern.compile("^SIP/2\\.0 (\\d{3})");

    private final List<Kind> kinds;
    private final int serverPort;
    private final DatagramSocket udp;
    private final Thread receiver;
    private final ExecutorService tcpWorkers = Executors.newFixedThreadPool(TCP_CONCURRENCY, r -> {
        Thread t = new Thread(r, "flood-tcp");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore tcpSlots = new Semaphore(TCP_CONCURRENCY);
    private final Random random = new Random(20261121);
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong echoesAnswered = new AtomicLong();
    private final AtomicLong unattributed = new AtomicLong();
    /** Sent, per "transport kind". */
    private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
    /** Outcomes, per "transport kind" and outcome. */
    private final Map<String, Map<String, AtomicLong>> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Kind> byCallIdPrefix = new ConcurrentHashMap<>();

    FloodSender(List<Kind> kinds, int serverPort) throws SocketException {
        this.kinds = kinds;
        this.serverPort = serverPort;
        this.udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udp.setReceiveBufferSize(4 * 1024 * 1024);
        udp.setSendBufferSize(1024 * 1024);
        for (int i = 0; i < kinds.size(); i++) {
            byCallIdPrefix.put(prefix(i), kinds.get(i));
        }
        this.receiver = new Thread(this::receive, "flood-udp-receiver");
        receiver.setDaemon(true);
        receiver.start();
    }

    int udpPort() {
        return udp.getLocalPort();
    }

    private static String prefix(int kind) {
        return String.format("k%02d-", kind);
    }

    /** Sends, round robin over the kinds each transport carries, {@code udpRate} and {@code tcpRate} messages a second for {@code length}. */
    void flood(int udpRate, int tcpRate, Duration length) throws InterruptedException {
        List<Integer> udpKinds = carried(Transport.UDP);
        List<Integer> tcpKinds = carried(Transport.TCP);
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long udpSent = 0;
        long tcpSent = 0;
        while (System.nanoTime() < end) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            while (udpSent < (long) (elapsed * udpRate)) {
                sendUdp(udpKinds.get((int) (udpSent++ % udpKinds.size())));
            }
            while (tcpSent < (long) (elapsed * tcpRate)) {
                int kind = tcpKinds.get((int) (tcpSent++ % tcpKinds.size()));
                tcpSlots.acquire(); // bounded: when every slot waits, the TCP rate drops rather than the threads growing
                tcpWorkers.execute(() -> {
                    try {
                        sendTcp(kind);
                    } finally {
                        tcpSlots.release();
                    }
                });
            }
            Thread.sleep(2);
        }
    }

    /** Waits until every TCP exchange has ended and late UDP replies have come in. */
    void drain(Duration udpGrace) throws InterruptedException {
        if (!tcpSlots.tryAcquire(TCP_CONCURRENCY, TCP_REPLY_WAIT.toSeconds() * 4, TimeUnit.SECONDS)) {
            throw new AssertionError("TCP exchanges still open " + TCP_REPLY_WAIT.toSeconds() * 4 + " s after the flood");
        }
        tcpSlots.release(TCP_CONCURRENCY);
        Thread.sleep(udpGrace.toMillis());
    }

    private List<Integer> carried(Transport transport) {
        return java.util.stream.IntStream.range(0, kinds.size()).filter(i -> !kinds.get(i).expected(transport).isEmpty()).boxed().toList();
    }

    private Context context(Transport transport, int kind, int localPort) {
        return new Context(transport, localPort, udp.getLocalPort(), prefix(kind) + sequence.incrementAndGet() + "@flood.test", random);
    }

    private void sendUdp(int kind) {
        byte[] message;
        synchronized (random) {
            message = kinds.get(kind).build().apply(context(Transport.UDP, kind, udp.getLocalPort()));
        }
        try {
            udp.send(new DatagramPacket(message, message.length, InetAddress.getLoopbackAddress(), serverPort));
            count(sent, key(Transport.UDP, kinds.get(kind)));
        } catch (IOException e) {
            throw new AssertionError("cannot send a datagram of " + message.length + " bytes: " + e, e);
        }
    }

    private void sendTcp(int kind) {
        Kind k = kinds.get(kind);
        String outcome;
        try (Socket socket = LocalPorts.CLIENTS.bindUnused()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort), 5000);
            byte[] message;
            synchronized (random) {
                message = k.build().apply(context(Transport.TCP, kind, socket.getLocalPort()));
            }
            count(sent, key(Transport.TCP, k));
            socket.setSoTimeout((int) TCP_REPLY_WAIT.toMillis());
            try {
                socket.getOutputStream().write(message);
                socket.getOutputStream().flush();
                outcome = readStatus(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                outcome = MalformedSip.NONE;
            } catch (IOException e) {
                outcome = MalformedSip.CLOSED; // reset while writing or reading: the server closed it
            }
        } catch (IOException e) {
            outcome = "connect failed: " + e.getMessage();
        }
        count(outcomes.computeIfAbsent(key(Transport.TCP, k), x -> new ConcurrentHashMap<>()), outcome);
    }

    /** The first status line on the connection; CLOSED at end of stream before one; a timeout is thrown. */
    private static String readStatus(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                Matcher m = STATUS.matcher(line);
                if (m.find()) {
                    return m.group(1);
                }
                line.setLength(0);
            } else if (line.length() < 200) {
                line.append((char) b);
            }
        }
        return MalformedSip.CLOSED;
    }

    private void receive() {
        byte[] buffer = new byte[70_000];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                return; // closed
            }
            String text = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.ISO_8859_1);
            if (text.startsWith("SIP/2.0 ")) {
                Matcher id = CALL_ID.matcher(text);
                Kind kind = id.find() && id.group(1).length() > 4 ? byCallIdPrefix.get(id.group(1).substring(0, 4)) : null;
                if (kind == null) {
                    unattributed.incrementAndGet();
                } else {
                    count(outcomes.computeIfAbsent(key(Transport.UDP, kind), x -> new ConcurrentHashMap<>()), text.substring(8, 11));
                }
            } else if (text.startsWith("MESSAGE ")) {
                answer(text, packet);
            }
        }
    }

    /** 200 to the echo endpoint's MESSAGE, so that it is not retransmitted. */
    private void answer(String request, DatagramPacket packet) {
        StringBuilder response = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String line : request.split("\r\n")) {
            String name = line.contains(":") ? line.substring(0, line.indexOf(':')).trim().toLowerCase(java.util.Locale.ROOT) : "";
            if (List.of("via", "v", "from", "f", "call-id", "i", "cseq").contains(name)) {
                response.append(line).append("\r\n");
            } else if (name.equals("to") || name.equals("t")) {
                response.append(line).append(";tag=flood\r\n");
            }
            if (line.isEmpty()) {
                break;
            }
        }
        response.append("Content-Length: 0\r\n\r\n");
        byte[] bytes = response.toString().getBytes(StandardCharsets.ISO_8859_1);
        try {
            udp.send(new DatagramPacket(bytes, bytes.length, packet.getSocketAddress()));
            echoesAnswered.incrementAndGet();
        } catch (IOException e) {
            // closing
        }
    }

    static String key(Transport transport, Kind kind) {
        return transport + " " + kind.name();
    }

    private static void count(Map<String, AtomicLong> counts, String key) {
        counts.computeIfAbsent(key, x -> new AtomicLong()).incrementAndGet();
    }

    long sent(Transport transport, Kind kind) {
        AtomicLong n = sent.get(key(transport, kind));
        return n == null ? 0 : n.get();
    }

    /** Outcomes of one kind on one transport; over UDP, messages that got nothing are counted as "none". */
    Map<String, Long> outcomes(Transport transport, Kind kind) {
        Map<String, Long> result = new java.util.TreeMap<>();
        outcomes.getOrDefault(key(transport, kind), Map.of()).forEach((outcome, n) -> result.put(outcome, n.get()));
        if (transport == Transport.UDP) {
            long replied = result.values().stream().mapToLong(Long::longValue).sum();
            if (sent(transport, kind) > replied) {
                result.put(MalformedSip.NONE, sent(transport, kind) - replied);
            }
        }
        return result;
    }

    long echoesAnswered() {
        return echoesAnswered.get();
    }

    long unattributed() {
        return unattributed.get();
    }

    @Override
    public void close() throws InterruptedException {
        udp.close();
        tcpWorkers.shutdownNow();
        tcpWorkers.awaitTermination(10, TimeUnit.SECONDS);
        receiver.join(5000);
    }
}
