package org.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.switchboard.arquillian.FreePorts;

/**
 * Kamailio from Debian ({@code /usr/sbin/kamailio}) as a real SIP peer. {@link #start()} is the dispatch benchmark's
 * ceiling: every request but ACK answered {@code 200 OK} statelessly ({@code sl_send_reply}), nothing else loaded, over
 * UDP and TCP. {@link #startTls(KamailioTls)} adds its {@code tls} module (Debian's {@code kamailio-tls-modules}): a TLS
 * listener, a client certificate for the TLS connections it opens, and the routing a test gives it. Listens on
 * 127.0.0.1 and free ports; no DNS or reverse DNS lookups; a fixed number of worker processes ({@link #CHILDREN} per
 * UDP socket, {@link #TCP_CHILDREN} for TCP and TLS), so that it gets the same two cores as the other targets and no
 * more. Its configuration, working directory, runtime directory and pid file live in a temporary directory made at
 * start and deleted at close. Runs in the foreground, logging to stderr; stopped by its own pid (SIGTERM, then
 * SIGKILL), and its child processes are gone afterwards.
 */
public final class Kamailio implements AutoCloseable {

    public static final Path KAMAILIO = Path.of("/usr/sbin/kamailio");
    /** UDP receiver processes on the one UDP socket. */
    public static final int CHILDREN = 2;
    /** TCP worker processes. */
    public static final int TCP_CHILDREN = 2;

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path dir;
    private final int port;
    /** 0: no TLS listener. */
    private final int tlsPort;

    private Kamailio(Process process, Path dir, int port, int tlsPort) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.tlsPort = tlsPort;
    }

    public static boolean installed() {
        return Files.isExecutable(KAMAILIO);
    }

    /** Skips the calling test when Kamailio is not installed. */
    public static void assumeInstalled() {
        Peers.require(installed(), notInstalled());
    }

    public static String notInstalled() {
        return KAMAILIO + " is not installed (apt-get install -y kamailio)";
    }

    /** Whether Kamailio and its tls module (Debian's kamailio-tls-modules, under /usr/lib/ARCH/kamailio/modules) are there. */
    public static boolean tlsInstalled() {
        if (!installed()) {
            return false;
        }
        try (Stream<Path> libraries = Files.list(Path.of("/usr/lib"))) {
            return libraries.anyMatch(dir -> Files.isRegularFile(dir.resolve("kamailio/modules/tls.so")));
        } catch (IOException e) {
            return false;
        }
    }

    /** Skips the calling test when Kamailio or its tls module is not installed (fails it in CI: {@link Peers}). */
    public static void assumeTlsInstalled() {
        Peers.require(tlsInstalled(), "Kamailio's tls module is not installed (apt-get install -y kamailio kamailio-tls-modules)");
    }

    /** The configuration: one stateless answer to everything, ACK dropped. */
    static String configuration(int port) {
        return """
                #!KAMAILIO
                debug=1
                log_stderror=yes
                children=%d
                tcp_children=%d
                listen=udp:127.0.0.1:%d
                listen=tcp:127.0.0.1:%d
                dns=no
                rev_dns=no
                use_dns_cache=no
                dns_try_ipv6=no
                dns_try_naptr=no
                auto_aliases=no
                disable_sctp=yes
                enable_tls=no

                loadmodule "sl.so"

                request_route {
                    if (method == "ACK") {
                        exit;
                    }
                    sl_send_reply("200", "OK");
                }
                """.formatted(CHILDREN, TCP_CHILDREN, port, port);
    }

    /** Starts Kamailio on a free port and returns once it answers an OPTIONS over UDP and takes TCP connections. */
    public static Kamailio start() throws IOException {
        int port = FreePorts.udpAndTcp();
        return launch(port, 0, dir -> configuration(port));
    }

    /**
     * Starts Kamailio with TLS as {@code tls} describes, on free ports, and returns once it answers an OPTIONS over UDP
     * and takes TCP connections on its TCP and TLS ports.
     */
    public static Kamailio startTls(KamailioTls tls) throws IOException {
        if (!tlsInstalled()) {
            throw new IllegalStateException("Kamailio's tls module is not installed (apt-get install -y kamailio-tls-modules)");
        }
        int port = FreePorts.udpAndTcp();
        int tlsPort = FreePorts.udpAndTcp();
        return launch(port, tlsPort, dir -> tls.write(dir, port, tlsPort));
    }

    /**
     * Kamailio as {@code deploy/pool} runs it: a site file that listens on a free port and includes the pool's routing
     * ({@code routing}, i.e. deploy/kamailio-pool.cfg), and a dispatcher list of {@code destinations} (SIP URIs, set 1),
     * written as an operator writes them. Returns once it answers an OPTIONS (through one of the destinations).
     */
    public static Kamailio dispatcher(Path routing, List<String> destinations) throws IOException {
        int port = FreePorts.udpAndTcp();
        return launch(port, 0, dir -> {
            StringBuilder list = new StringBuilder("# set destination\n");
            destinations.forEach(destination -> list.append("1 ").append(destination).append('\n'));
            Files.writeString(dir.resolve("pool.list"), list);
            return """
                    #!KAMAILIO
                    listen=udp:127.0.0.1:%d
                    listen=tcp:127.0.0.1:%d
                    #!define POOL_LIST "%s"
                    include_file "%s"
                    """.formatted(port, port, dir.resolve("pool.list"), routing.toAbsolutePath());
        });
    }

    /** What writes the configuration files into Kamailio's directory and returns the text of kamailio.cfg. */
    private interface Configuration {
        String write(Path dir) throws IOException;
    }

    private static Kamailio launch(int port, int tlsPort, Configuration configuration) throws IOException {
        if (!installed()) {
            throw new IllegalStateException(notInstalled());
        }
        Path dir = Files.createTempDirectory("kamailio-").toAbsolutePath();
        Path config = dir.resolve("kamailio.cfg");
        Files.writeString(config, configuration.write(dir));
        // -DD: no daemon, the pid we hold is Kamailio's main process; -E: log to stderr; -Y, -P, -w: all files here.
        Process process = new ProcessBuilder(KAMAILIO.toString(), "-f", config.toString(), "-DD", "-E",
                "-Y", dir.toString(), "-P", dir.resolve("kamailio.pid").toString(), "-w", dir.toString(), "-m", "64", "-M", "8")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("kamailio.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        Kamailio kamailio = new Kamailio(process, dir, port, tlsPort);
        try {
            kamailio.awaitAnswering();
        } catch (IOException | RuntimeException e) {
            kamailio.close();
            throw e;
        }
        return kamailio;
    }

    private void awaitAnswering() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kamailio exited with status " + process.exitValue() + ":\n" + log());
            }
            if (answersOptionsOverUdp() && acceptsTcp(port) && (tlsPort == 0 || acceptsTcp(tlsPort))) {
                return;
            }
        }
        throw new IOException("Kamailio did not answer within " + START_TIMEOUT + ":\n" + log());
    }

    /** One OPTIONS datagram; true when a 200 comes back within 200 ms. */
    private boolean answersOptionsOverUdp() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(200);
            int local = socket.getLocalPort();
            String request = "OPTIONS sip:probe@127.0.0.1:" + port + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + local + ";branch=z9hG4bK-probe-" + System.nanoTime() + "\r\n"
                    + "From: <sip:probe@127.0.0.1:" + local + ">;tag=probe\r\n"
                    + "To: <sip:probe@127.0.0.1:" + port + ">\r\n"
                    + "Call-ID: probe-" + System.nanoTime() + "@127.0.0.1\r\n"
                    + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
            DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
            try {
                socket.receive(answer);
            } catch (SocketTimeoutException e) {
                return false;
            }
            return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII).startsWith("SIP/2.0 200");
        }
    }

    private static boolean acceptsTcp(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The UDP and TCP port. */
    public int port() {
        return port;
    }

    /** The TLS port ({@link #startTls} only). */
    public int tlsPort() {
        return tlsPort;
    }

    /** The main process's pid (the one that was started). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The main process and every process it forked (receivers, TCP main and workers, timers). */
    public List<ProcessHandle> processes() {
        return Stream.concat(Stream.of(process.toHandle()), process.descendants()).filter(ProcessHandle::isAlive).toList();
    }

    /** CPU time (user + system) used so far by all of Kamailio's processes together. */
    public double cpuSeconds() {
        return ProcessCpu.seconds(process.toHandle());
    }

    /**
     * The lines {@link KamailioTls}'s wire log wrote so far (without the log's prefix): what arrived
     * ({@code in METHOD R-URI proto=… peer=… verified=…}) and what was sent ({@code out …}).
     */
    public List<String> wire() {
        return log().lines().filter(line -> line.contains(KamailioTls.WIRE)).map(line -> line.substring(line.indexOf(KamailioTls.WIRE)
                + KamailioTls.WIRE.length())).toList();
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("kamailio.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * SIGTERM to the main process (it stops its children), then SIGKILL to whatever of it is left after the
     * bound; deletes the directory. Closing again does nothing.
     */
    @Override
    public void close() throws IOException {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
            for (ProcessHandle child : children) {
                while (child.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                if (child.isAlive()) {
                    child.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
        if (!Files.exists(dir)) {
            return; // closed before
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        }
    }
}
