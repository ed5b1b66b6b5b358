package org.switchboard.faults;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local TCP ports handed out once each in the test JVM, so that no two connections to the server under test come
 * from the same port (see {@link FloodSender} for why). Taken in order from a range below both the kernel's
 * ephemeral ports (from 32768 on Linux) and the ports {@code FreePorts} picks for servers and SIPp (20000 to 45000);
 * a port something else holds (bound, listening or in TIME_WAIT) is skipped, not waited for.
 */
final class LocalPorts {

    /** The fault suite's TCP clients: the flood's two rounds of ~900 connections fit several times over. */
    static final LocalPorts CLIENTS = new LocalPorts(10_000, 20_000);

    private final int first;
    private final int end;
    private final AtomicInteger next;
    private final AtomicLong bound = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    LocalPorts(int first, int end) {
        this.first = first;
        this.end = end;
        this.next = new AtomicInteger(first);
    }

    /** An unconnected socket bound to 127.0.0.1 and a port of the range no socket of this JVM was bound to before. */
    Socket bindUnused() throws IOException {
        while (true) {
            int port = next.getAndIncrement();
            if (port >= end) {
                throw new IOException("every local port from " + first + " to " + (end - 1) + " has been used once");
            }
            Socket socket = new Socket();
            try {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                bound.incrementAndGet();
                return socket;
            } catch (IOException busy) {
                socket.close();
                skipped.incrementAndGet();
            }
        }
    }

    /** For the printed output: how many ports were used, from which range, and how many were skipped as busy. */
    String summary() {
        return String.format(java.util.Locale.ROOT, "%d local ports, each used once, from %d up (range %d-%d), %d busy ones skipped",
                bound.get(), first, first, end - 1, skipped.get());
    }
}
