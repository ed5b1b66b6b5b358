package org.switchboard.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay on 127.0.0.1 that holds every datagram for {@code delay} before passing it to the target (a real server,
 * e.g. dnsmasq) and relays the target's answer back at once: a slow network path to a real DNS server. Counts what it
 * relayed. Its threads stop on {@link #close}.
 */
public final class DelayingUdpRelay implements AutoCloseable {

    private static final int MAX_DATAGRAM = 65_535;

    private final DatagramSocket socket;
    private final InetSocketAddress target;
    private final Duration delay;
    private final ScheduledExecutorService held = Executors.newScheduledThreadPool(4, r -> {
        Thread thread = new Thread(r, "delaying-relay");
        thread.setDaemon(true);
        return thread;
    });
    private final Thread receiver;
    private final AtomicInteger received = new AtomicInteger();
    private volatile boolean open = true;

    private DelayingUdpRelay(DatagramSocket socket, InetSocketAddress target, Duration delay) {
        this.socket = socket;
        this.target = target;
        this.delay = delay;
        this.receiver = new Thread(this::receive, "delaying-relay-" + socket.getLocalPort());
        receiver.setDaemon(true);
        receiver.start();
    }

    /** A relay on a free port of 127.0.0.1 to {@code 127.0.0.1:targetPort}. */
    public static DelayingUdpRelay to(int targetPort, Duration delay) throws SocketException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new DelayingUdpRelay(socket, new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), delay);
    }

    /** {@code 127.0.0.1:port}, as a resolver setting names a DNS server. */
    public String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    /** Datagrams received from clients so far (queries, for a DNS server). */
    public int received() {
        return received.get();
    }

    private void receive() {
        byte[] buffer = new byte[MAX_DATAGRAM];
        while (open) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException closed) {
                return;
            }
            received.incrementAndGet();
            byte[] query = Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
            SocketAddress client = packet.getSocketAddress();
            held.schedule(() -> relay(query, client), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Passes one held datagram on and its answer (if one comes within two seconds) back to the client. */
    private void relay(byte[] query, SocketAddress client) {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            upstream.setSoTimeout(2_000);
            upstream.send(new DatagramPacket(query, query.length, target));
            byte[] answer = new byte[MAX_DATAGRAM];
            DatagramPacket reply = new DatagramPacket(answer, answer.length);
            upstream.receive(reply);
            socket.send(new DatagramPacket(reply.getData(), reply.getOffset(), reply.getLength(), client));
        } catch (IOException lost) {
            // no answer upstream, or the relay closed: the client sees a lost datagram, as on a real path
        }
    }

    @Override
    public void close() throws InterruptedException {
        open = false;
        socket.close();
        receiver.join(2_000);
        held.shutdownNow();
        held.awaitTermination(5, TimeUnit.SECONDS);
    }
}
