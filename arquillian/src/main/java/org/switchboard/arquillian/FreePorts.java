package org.switchboard.arquillian;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Ports on 127.0.0.1 that are free right now, for both UDP and TCP. */
public final class FreePorts {

    private FreePorts() {
    }

    /** Below the kernel's ephemeral range when it leaves room there, so that no outgoing connection takes a port handed out. */
    private static final int[] RANGE = range();

    private static int[] range() {
        try {
            String[] ephemeral = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            int low = Integer.parseInt(ephemeral[0]);
            if (low >= 15000) {
                return new int[] {10000, low};
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: the range below
        }
        return new int[] {20000, 45000};
    }

    public static int udpAndTcp() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(RANGE[0], RANGE[1]);
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port found in 200 attempts");
    }

    public static boolean isFree(int port) {
        try (ServerSocket tcp = new ServerSocket();
             DatagramSocket udp = new DatagramSocket(null)) {
            tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            udp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
