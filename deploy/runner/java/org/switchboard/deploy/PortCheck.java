package org.switchboard.deploy;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds an address the runner cannot listen on before anything starts, so that a taken port
 * gives one clear line and never a half-started server.
 */
final class PortCheck {

    /** Why an address cannot be used, in a few words. */
    record Unavailable(ListenAddress address, String reason) {
    }

    private PortCheck() {
    }

    /**
     * Binds every address and holds them all until the last is bound, so that two of the configured
     * addresses that would take the same socket (SIP over TCP and HTTP on one port) are found as well
     * as an address another process holds.
     */
    static Optional<Unavailable> firstUnavailable(List<ListenAddress> addresses) {
        List<Closeable> held = new ArrayList<>();
        try {
            for (ListenAddress address : addresses) {
                try {
                    held.add(bind(address));
                } catch (IOException e) {
                    return Optional.of(new Unavailable(address, reason(e)));
                }
            }
            return Optional.empty();
        } finally {
            for (Closeable socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // a socket that was only bound for the check; nothing is lost
                }
            }
        }
    }

    private static Closeable bind(ListenAddress address) throws IOException {
        InetSocketAddress socketAddress = new InetSocketAddress(InetAddress.getByName(address.address()), address.port());
        if (address.isUdp()) {
            DatagramSocket socket = new DatagramSocket(null);
            try {
                socket.setReuseAddress(false);
                socket.bind(socketAddress);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            return socket;
        }
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true); // as the connectors do; a listening socket still blocks it
            socket.bind(socketAddress);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    private static String reason(IOException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (message.toLowerCase(Locale.ROOT).contains("in use")) {
            return "address already in use";
        }
        return message;
    }
}
