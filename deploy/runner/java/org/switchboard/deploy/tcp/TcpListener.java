package org.switchboard.deploy.tcp;

import gov.nist.core.HostPort;
import gov.nist.javax.sip.stack.ConnectionOrientedMessageChannel;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.TCPMessageProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.log4j.Logger;

/**
 * The stack's TCP listening point, making {@link TcpConnection}s instead of the stack's channels, and forgetting a
 * closed connection in its caches only where the entry is still that connection (the stack removed a newer
 * connection's entry for the same peer address and port). Accepts without a connection limit: the runner sets no
 * {@code gov.nist.javax.sip.MAX_CONNECTIONS}.
 */
final class TcpListener extends TCPMessageProcessor {

    private static final Logger LOG = Logger.getLogger(TcpListener.class);

    private final AtomicLong accepted = new AtomicLong();

    TcpListener(InetAddress address, SIPTransactionStack stack, int port) {
        super(address, stack, port);
    }

    @Override
    public void run() {
        while (isRunning) {
            Socket socket;
            try {
                socket = sock.accept();
            } catch (SocketException closed) {
                isRunning = false; // stop() closed the listening socket
                return;
            } catch (IOException e) {
                LOG.warn("SIP over TCP: cannot accept a connection: " + e);
                continue;
            }
            try {
                TcpConnection.noDelay(socket);
                TcpConnection connection = new TcpConnection(socket, sipStack, this,
                        "TCPMessageChannelThread-" + accepted.incrementAndGet());
                incomingMessageChannels.put(connection.getKey(), connection);
            } catch (IOException e) {
                LOG.warn("SIP over TCP: cannot read from " + socket.getRemoteSocketAddress() + ": " + e);
                closeQuietly(socket);
            }
        }
    }

    @Override
    public synchronized MessageChannel createMessageChannel(HostPort target) throws IOException {
        return channelTo(MessageChannel.getKey(target, "TCP"), target.getInetAddress(), target.getPort());
    }

    @Override
    public synchronized MessageChannel createMessageChannel(InetAddress host, int port) throws IOException {
        return channelTo(MessageChannel.getKey(host, port, "TCP"), host, port);
    }

    /** The cached channel to a peer, else a new one that connects when it first sends. */
    private MessageChannel channelTo(String key, InetAddress host, int port) throws IOException {
        ConnectionOrientedMessageChannel cached = messageChannels.get(key);
        if (cached != null) {
            return cached;
        }
        TcpConnection connection = new TcpConnection(host, port, sipStack, this);
        messageChannels.put(key, connection);
        return connection;
    }

    @Override
    protected synchronized void remove(ConnectionOrientedMessageChannel channel) {
        String key = channel.getKey();
        removeIfSame(messageChannels, key, channel);
        removeIfSame(incomingMessageChannels, key, channel);
    }

    /** By identity: the stack's channels are equal whenever both are closed. */
    private static void removeIfSame(Map<String, ConnectionOrientedMessageChannel> channels, String key,
            ConnectionOrientedMessageChannel channel) {
        channels.computeIfPresent(key, (k, cached) -> cached == channel ? null : cached);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
