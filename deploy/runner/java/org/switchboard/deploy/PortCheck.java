package org.switchboard.deploy;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
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

    static Optional<Unavailable> firstUnavailable(List<ListenAddress> addresses) {
        for (ListenAddress address : addresses) {
            Optional<String> problem = tryBind(address);
            if (problem.isPresent()) {
                return Optional.of(new Unavailable(address, problem.get()));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> tryBind(ListenAddress address) {
        try {
            InetSocketAddress socketAddress = new InetSocketAddress(InetAddress.getByName(address.address()), address.port());
            if (address.isUdp()) {
                try (DatagramSocket socket = new DatagramSocket(null)) {
                    socket.setReuseAddress(false);
                    socket.bind(socketAddress);
                }
            } else {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.setReuseAddress(true); // as the connectors do; a listening socket still blocks it
                    socket.bind(socketAddress);
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (message.toLowerCase(java.util.Locale.ROOT).contains("in use")) {
                return Optional.of("address already in use");
            }
            return Optional.of(message);
        }
    }
}
