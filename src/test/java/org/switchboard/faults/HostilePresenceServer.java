package org.switchboard.faults;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A presence server on raw UDP that accepts a presence view's SUBSCRIBE and then sends NOTIFYs with hostile
 * PIDF bodies in that dialog: the place where Switchboard really parses XML from the network. Counts the answers
 * per body kind.
 */
final class HostilePresenceServer implements AutoCloseable {

    private static final Pattern CSEQ = Pattern.compile("(?im)^CSeq\\s*:\\s*(\\d+)\\s+(\\w+)");

    private final DatagramSocket socket;
    private final Thread receiver;
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private volatile Dialog dialog;
    private final AtomicLong cseq = new AtomicLong(1);
    /** NOTIFYs answered so far (CSeq starts at 2). */
    private final AtomicLong answered = new AtomicLong();
    private final Map<Long, String> kindOfCseq = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
    private final Map<String, Map<String, AtomicLong>> answers = new ConcurrentHashMap<>();

    /** The subscription as the server sees it: the NOTIFY's Request-URI, From (with our tag), To, Call-ID. */
    private record Dialog(String target, String from, String to, String callId, SocketAddress peer) {
    }

    HostilePresenceServer() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        receiver = new Thread(this::receive, "hostile-presence-server");
        receiver.setDaemon(true);
        receiver.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** The watched user, for the presence-monitor's targets. */
    String target() {
        return "sip:bob@127.0.0.1:" + port();
    }

    void awaitSubscription(Duration timeout) throws InterruptedException {
        if (!subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the presence view's SUBSCRIBE did not reach the presence server within " + timeout);
        }
    }

    /**
     * One NOTIFY in the dialog with this body, counted under {@code kind}, once the previous one has been answered (or
     * after {@code previousAnswer}): RFC 6665 §4.2.2 forbids a notifier a new NOTIFY before then, and without it
     * the server could handle two at once and rightly answer the lower CSeq 500 (out of order, RFC 3261 §12.2.2).
     */
    void notify(String kind, String pidf, Duration previousAnswer) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + previousAnswer.toNanos();
        while (answered.get() < cseq.get() - 1 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        Dialog d = dialog;
        long n = cseq.incrementAndGet();
        kindOfCseq.put(n, kind);
        byte[] body = pidf.getBytes(StandardCharsets.UTF_8);
        String head = "NOTIFY " + d.target() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + port() + ";branch=z9hG4bKn" + n + "\r\n"
                + "From: " + d.from() + "\r\n"
                + "To: " + d.to() + "\r\n"
                + "Call-ID: " + d.callId() + "\r\n"
                + "CSeq: " + n + " NOTIFY\r\n"
                + "Contact: <sip:127.0.0.1:" + port() + ">\r\n"
                + "Max-Forwards: 70\r\n"
                + "Event: presence\r\n"
                + "Subscription-State: active;expires=3600\r\n"
                + "Content-Type: application/pidf+xml\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] head8 = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] message = new byte[head8.length + body.length];
        System.arraycopy(head8, 0, message, 0, head8.length);
        System.arraycopy(body, 0, message, head8.length, body.length);
        socket.send(new DatagramPacket(message, message.length, d.peer()));
        sent.computeIfAbsent(kind, x -> new AtomicLong()).incrementAndGet();
    }

    long sent(String kind) {
        AtomicLong n = sent.get(kind);
        return n == null ? 0 : n.get();
    }

    /** Answers per status, "none" for NOTIFYs that got nothing. */
    Map<String, Long> answers(String kind) {
        Map<String, Long> result = new TreeMap<>();
        answers.getOrDefault(kind, Map.of()).forEach((status, n) -> result.put(status, n.get()));
        long answered = result.values().stream().mapToLong(Long::longValue).sum();
        if (sent(kind) > answered) {
            result.put(MalformedSip.NONE, sent(kind) - answered);
        }
        return result;
    }

    private void receive() {
        byte[] buffer = new byte[70_000];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException e) {
                return;
            }
            String text = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.ISO_8859_1);
            try {
                if (text.startsWith("SUBSCRIBE ")) {
                    accept(text, packet.getSocketAddress());
                } else if (text.startsWith("SIP/2.0 ")) {
                    Matcher m = CSEQ.matcher(text);
                    if (m.find() && "NOTIFY".equalsIgnoreCase(m.group(2))) {
                        String kind = kindOfCseq.getOrDefault(Long.parseLong(m.group(1)), "unknown");
                        answers.computeIfAbsent(kind, x -> new ConcurrentHashMap<>())
                                .computeIfAbsent(outcome(text), x -> new AtomicLong()).incrementAndGet();
                        answered.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    /** The status code; for anything but 200 with its reason phrase, so that an unexpected answer says why. */
    private static String outcome(String response) {
        String status = response.substring(8, 11);
        return status.equals("200") ? status : response.substring(8, response.indexOf('\r'));
    }

    /** 200 for an hour (no refresh during the test); the first one fixes the dialog. */
    private void accept(String subscribe, SocketAddress peer) throws IOException {
        StringBuilder ok = new StringBuilder("SIP/2.0 200 OK\r\n");
        String from = null;
        String to = null;
        String callId = null;
        String contact = null;
        for (String line : subscribe.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = colon < 0 ? "" : line.substring(colon + 1).trim();
            switch (name) {
                case "via", "v", "cseq" -> ok.append(line).append("\r\n");
                case "from", "f" -> {
                    ok.append(line).append("\r\n");
                    from = value;
                }
                case "to", "t" -> {
                    to = value + ";tag=hostile";
                    ok.append("To: ").append(to).append("\r\n");
                }
                case "call-id", "i" -> {
                    ok.append(line).append("\r\n");
                    callId = value;
                }
                case "contact", "m" -> contact = value.replaceAll("^.*<([^>]*)>.*$", "$1");
                default -> {
                }
            }
        }
        ok.append("Contact: <sip:127.0.0.1:").append(port()).append(">\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n");
        byte[] bytes = ok.toString().getBytes(StandardCharsets.ISO_8859_1);
        socket.send(new DatagramPacket(bytes, bytes.length, peer));
        if (dialog == null && from != null && to != null && callId != null && contact != null) {
            // Our NOTIFYs: From is the SUBSCRIBE's To (with our tag), To is its From.
            dialog = new Dialog(contact, to, from, callId, peer);
            subscribed.countDown();
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        receiver.join(5000);
    }
}
