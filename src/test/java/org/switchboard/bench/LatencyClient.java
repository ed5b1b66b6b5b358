package org.switchboard.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A SIP load client over one TCP connection or one UDP socket that times responses in microseconds, below the step of
 * SIPp's clock (4 ms on this machine). It is open loop: requests go out on a fixed schedule of intended send times whatever the server
 * does, and a response time runs from the request's intended send time, so a server that stalls the connection shows in
 * the figures instead of slowing the client down (coordinated omission); the time from the actual write is kept as well.
 * The requests are those of SIPp's {@code message-uac.xml} and {@code options-load-uac.xml}: MESSAGE or OPTIONS to
 * {@code sip:bench@example.com}, each with its own Call-ID, Via branch and CSeq. Responses are matched to requests by
 * Call-ID; a final answer other than 2xx, or none within {@link #TIMEOUT_SECONDS} after the last intended send, is a
 * failure. Over UDP each request is one datagram, never retransmitted: a request or answer lost counts as unanswered.
 * HdrHistogram comes onto the test classpath with Micrometer (runtime scope, so it is in the war); declared
 * test-scoped here it would drop out of the war.
 */
public final class LatencyClient {

    /** How long after the last intended send a request may still be answered. */
    static final int TIMEOUT_SECONDS = 5;
    private static final String REQUEST_URI = "sip:bench@example.com";
    /** How often the reader wakes up without data to look at the deadline. */
    private static final int READ_TIMEOUT_MILLIS = 100;

    /** Response-time percentiles in microseconds (NaN when nothing was answered). */
    public record Percentiles(double p50, double p90, double p99, double p999, double max) {
        static final Percentiles NONE = new Percentiles(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        /** From a histogram of nanoseconds. */
        static Percentiles of(Histogram nanos) {
            if (nanos.getTotalCount() == 0) {
                return NONE;
            }
            return new Percentiles(micros(nanos.getValueAtPercentile(50)), micros(nanos.getValueAtPercentile(90)),
                    micros(nanos.getValueAtPercentile(99)), micros(nanos.getValueAtPercentile(99.9)), micros(nanos.getMaxValue()));
        }

        private static double micros(long nanos) {
            return nanos / 1000.0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "p50/p90/p99/p99.9/max %.0f/%.0f/%.0f/%.0f/%.0f µs", p50, p90, p99, p999, max);
        }
    }

    /**
     * One run: requests scheduled, written, answered 2xx, answered otherwise, not answered in time (those never written
     * included); 2xx answers per second from the first intended send to the last answer; the 2xx answers' response
     * times from the intended and from the actual send.
     */
    public record Result(long scheduled, long sent, long answered, long rejected, long unanswered, double achievedRate,
                         Percentiles fromIntended, Percentiles fromSent) {
        public long failed() {
            return rejected + unanswered;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "sent %d of %d, 2xx %d, failed %d (%d non-2xx, %d unanswered), %.0f answers/s;"
                    + " from the intended send %s, from the actual send %s", sent, scheduled, answered, failed(), rejected, unanswered,
                    achievedRate, fromIntended, fromSent);
        }
    }

    private LatencyClient() {
    }

    /** Arguments: host port transport method rate seconds, e.g. {@code 127.0.0.1 5080 tcp MESSAGE 2000 10}. */
    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: LatencyClient HOST PORT tcp|udp MESSAGE|OPTIONS RATE SECONDS");
        }
        System.out.println(run(args[0], Integer.parseInt(args[1]), args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5])));
    }

    /**
     * Sends {@code rate} requests a second for {@code seconds} to host:port over a new TCP connection or UDP socket
     * ({@code transport}: tcp or udp), and times the answers.
     */
    public static Result run(String host, int port, String transport, String method, int rate, int seconds)
            throws IOException, InterruptedException {
        if (!method.equals("MESSAGE") && !method.equals("OPTIONS")) {
            throw new IllegalArgumentException("MESSAGE or OPTIONS, not " + method);
        }
        if (!transport.equals("tcp") && !transport.equals("udp")) {
            throw new IllegalArgumentException("tcp or udp, not " + transport);
        }
        int count = Math.multiplyExact(rate, seconds);
        long[] sentAt = new long[count];
        try (Wire wire = transport.equals("tcp") ? new TcpWire(host, port) : new UdpWire(host, port)) {
            Requests requests = new Requests(method, transport.toUpperCase(Locale.ROOT), wire.local());
            Schedule schedule = new Schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10), rate); // the reader runs by then
            Responses responses = new Responses(wire, requests, count, schedule.intended(count) + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS));
            Thread reader = new Thread(responses, "latency-client-reader");
            reader.start();
            int sent = send(wire, requests, schedule, sentAt);
            reader.join();
            if (responses.failure != null) {
                System.err.println("latency client: the " + transport + " socket ended with " + responses.failure);
            }
            return result(schedule, sent, sentAt, responses);
        }
    }

    /** Where requests go and answers come from: one TCP connection, or one UDP socket. */
    private interface Wire extends AutoCloseable {
        /** This side's address, host:port, for the Via and From headers. */
        String local();

        /** Writes requests that are due together: over TCP in one write, over UDP one datagram each. */
        void write(List<byte[]> requests) throws IOException;

        /**
         * Reads what arrived into {@code framer}: returns false at the end of the stream, true otherwise (also when
         * nothing arrived within {@link #READ_TIMEOUT_MILLIS}).
         */
        boolean read(SipStreamFramer framer) throws IOException;

        @Override
        void close() throws IOException;
    }

    private static final class TcpWire implements Wire {
        private final Socket socket = new Socket();
        private final byte[] chunk = new byte[16 * 1024];
        private final ByteArrayOutputStream batch = new ByteArrayOutputStream(16 * 1024);

        TcpWire(String host, int port) throws IOException {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        }

        @Override
        public String local() {
            return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        }

        @Override
        public void write(List<byte[]> requests) throws IOException {
            batch.reset();
            requests.forEach(batch::writeBytes);
            batch.writeTo(socket.getOutputStream());
        }

        @Override
        public boolean read(SipStreamFramer framer) throws IOException {
            int read;
            try {
                read = socket.getInputStream().read(chunk);
            } catch (SocketTimeoutException e) {
                return true;
            }
            if (read < 0) {
                return false;
            }
            framer.append(chunk, 0, read);
            return true;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class UdpWire implements Wire {
        private final DatagramSocket socket;
        private final DatagramPacket received = new DatagramPacket(new byte[65_536], 65_536);

        UdpWire(String host, int port) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
            socket.setReceiveBufferSize(8 * 1024 * 1024);
            socket.connect(new InetSocketAddress(host, port));
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        }

        @Override
        public String local() {
            return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        }

        @Override
        public void write(List<byte[]> requests) throws IOException {
            for (byte[] request : requests) {
                socket.send(new DatagramPacket(request, request.length));
            }
        }

        @Override
        public boolean read(SipStreamFramer framer) throws IOException {
            try {
                socket.receive(received);
            } catch (SocketTimeoutException e) {
                return true;
            } catch (SocketException closed) {
                return false;
            }
            framer.append(received.getData(), 0, received.getLength()); // one datagram, one whole message
            return true;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static Result result(Schedule schedule, int sent, long[] sentAt, Responses responses) {
        Histogram fromIntended = new Histogram(3);
        Histogram fromSent = new Histogram(3);
        long answered = 0;
        long rejected = 0;
        long lastAnswer = schedule.start();
        for (int i = 0; i < sent; i++) {
            int status = responses.status[i];
            if (status >= 200 && status < 300) {
                answered++;
                long at = responses.answeredAt[i];
                fromIntended.recordValue(Math.max(0, at - schedule.intended(i)));
                fromSent.recordValue(Math.max(0, at - sentAt[i]));
                lastAnswer = Math.max(lastAnswer, at);
            } else if (status != 0) {
                rejected++;
            }
        }
        int scheduled = sentAt.length;
        double seconds = (lastAnswer - schedule.start()) / 1e9;
        return new Result(scheduled, sent, answered, rejected, scheduled - answered - rejected, seconds > 0 ? answered / seconds : 0,
                Percentiles.of(fromIntended), Percentiles.of(fromSent));
    }

    /** Request i's intended send time: {@code start + i / rate}, on the System.nanoTime clock. */
    private record Schedule(long start, int rate) {
        long intended(int index) {
            return start + index * 1_000_000_000L / rate;
        }
    }

    /**
     * Writes the requests at their intended times; those already due when the client wakes up (it sleeps between sends,
     * and a blocked write holds it up) go out together. Returns how many were written, stopping early when the socket is
     * closed (by the server, or by the reader at its deadline).
     */
    private static int send(Wire wire, Requests requests, Schedule schedule, long[] sentAt) {
        List<byte[]> due = new ArrayList<>();
        int written = 0;
        try {
            while (written < sentAt.length) {
                long now = System.nanoTime();
                long next = schedule.intended(written);
                if (now < next) {
                    LockSupport.parkNanos(next - now);
                    continue;
                }
                int end = written;
                due.clear();
                while (end < sentAt.length && schedule.intended(end) <= now) {
                    due.add(requests.request(end++));
                }
                long writtenAt = System.nanoTime();
                wire.write(due);
                Arrays.fill(sentAt, written, end, writtenAt);
                written = end;
            }
        } catch (IOException e) {
            // The socket is closed; what was written before counts.
        }
        return written;
    }

    /** The requests of one run: request i has Call-ID "i-TAG@127.0.0.1", Via branch "z9hG4bK-TAG-i" and CSeq i + 1. */
    private static final class Requests {
        private final String method;
        private final String transport;
        private final String local;
        private final String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());

        Requests(String method, String transport, String local) {
            this.method = method;
            this.transport = transport;
            this.local = local;
        }

        byte[] request(int index) {
            String body = method.equals("MESSAGE") ? "load test message " + index + "\r\n" : "";
            StringBuilder text = new StringBuilder(400).append(method).append(' ').append(REQUEST_URI).append(" SIP/2.0\r\n")
                    .append("Via: SIP/2.0/").append(transport).append(' ').append(local).append(";branch=z9hG4bK-").append(tag).append('-').append(index).append("\r\n")
                    .append("From: <sip:load@").append(local).append(">;tag=").append(tag).append(index).append("\r\n")
                    .append("To: <").append(REQUEST_URI).append(">\r\n")
                    .append("Call-ID: ").append(index).append('-').append(tag).append("@127.0.0.1\r\n")
                    .append("CSeq: ").append(index + 1).append(' ').append(method).append("\r\n")
                    .append("Max-Forwards: 70\r\n")
                    .append(method.equals("MESSAGE") ? "Content-Type: text/plain\r\n" : "Accept: application/sdp\r\n")
                    .append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
            return text.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        /** The request index a Call-ID of this run names, or -1. */
        int index(String callId) {
            int dash = callId.indexOf('-');
            if (dash < 1 || !callId.startsWith(tag + "@", dash + 1)) {
                return -1;
            }
            try {
                return Integer.parseInt(callId, 0, dash, 10);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /**
     * The reader: notes each request's final status and when its answer arrived, until every request is answered, the
     * deadline passes or the server closes the connection; then it closes the socket, which also stops the sender. Its
     * arrays are read once its thread has been joined.
     */
    private static final class Responses implements Runnable {
        private final Wire wire;
        private final Requests requests;
        private final long deadline;
        final long[] answeredAt;
        final int[] status;
        Exception failure;

        Responses(Wire wire, Requests requests, int count, long deadline) {
            this.wire = wire;
            this.requests = requests;
            this.deadline = deadline;
            this.answeredAt = new long[count];
            this.status = new int[count];
        }

        @Override
        public void run() {
            SipStreamFramer framer = new SipStreamFramer();
            int finals = 0;
            try (wire) {
                while (finals < status.length && System.nanoTime() < deadline) {
                    if (!wire.read(framer)) {
                        break;
                    }
                    long now = System.nanoTime(); // the arrival of every message this read completes
                    for (SipStreamFramer.Message message = framer.next(); message != null; message = framer.next()) {
                        int index = message.status() >= 200 ? requests.index(message.callId()) : -1; // 1xx: not final
                        if (index >= 0 && index < status.length && status[index] == 0) {
                            status[index] = message.status();
                            answeredAt[index] = now;
                            finals++;
                        }
                    }
                }
            } catch (IOException | IllegalStateException e) {
                failure = e;
            }
        }
    }
}
