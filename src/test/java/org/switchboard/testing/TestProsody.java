package org.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.switchboard.arquillian.FreePorts;

/**
 * A real Prosody (the Debian package's {@code /usr/bin/prosody}) in its own process, on 127.0.0.1 only,
 * with a configuration, data, pid file and log in a directory of the test's: one VirtualHost for the XMPP
 * users, one external component (XEP-0114) with a secret, plain authentication allowed on loopback and no
 * server-to-server traffic. Stopped by its own pid; {@link #restart()} brings it back on the same ports and
 * the same data (accounts and rosters survive).
 */
public final class TestProsody implements AutoCloseable {

    /** Prosody and its control program: on the PATH, else where Debian puts them. */
    public static final Path PROSODY = Peers.find("prosody", Path.of("/usr/bin/prosody")).orElse(Path.of("/usr/bin/prosody"));
    public static final Path PROSODYCTL = Peers.find("prosodyctl", Path.of("/usr/bin/prosodyctl")).orElse(Path.of("/usr/bin/prosodyctl"));
    public static final String XMPP_DOMAIN = "xmpp.example.test";
    public static final String COMPONENT_DOMAIN = "sip.xmpp.example.test";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final Path config;
    private final int c2sPort;
    private final int componentPort;
    private final String componentSecret;
    private Process process;
    private int starts;

    private TestProsody(Path dir, int c2sPort, int componentPort, String componentSecret) {
        this.dir = dir;
        this.config = dir.resolve("prosody.cfg.lua");
        this.c2sPort = c2sPort;
        this.componentPort = componentPort;
        this.componentSecret = componentSecret;
    }

    /** Whether Prosody is installed here. */
    public static boolean installed() {
        return Files.isExecutable(PROSODY) && Files.isExecutable(PROSODYCTL);
    }

    /** Skips the calling test when Prosody is not installed, or fails it in CI ({@link Peers#require}). */
    public static void assumeInstalled() {
        Peers.require(installed(), "prosody is not installed (apt-get install -y prosody)");
    }

    /** A Prosody with its files in {@code dir} (created when missing), on free ports, started and accepting connections. */
    public static TestProsody start(Path dir) throws IOException {
        Files.createDirectories(dir);
        TestProsody prosody = new TestProsody(dir.toAbsolutePath(), FreePorts.udpAndTcp(), FreePorts.udpAndTcp(),
                "secret-" + UUID.randomUUID().toString().substring(0, 8));
        prosody.writeConfig();
        prosody.startAgain();
        return prosody;
    }

    /** As {@link #start(Path)}, in a fresh temporary directory. */
    public static TestProsody startInTempDir() throws IOException {
        return start(Files.createTempDirectory("prosody-"));
    }

    private void writeConfig() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("certs"));
        String text = """
                -- Written by TestProsody: loopback only, no s2s, plain authentication allowed (tests only).
                run_as_root = true
                daemonize = false
                pidfile = %s
                data_path = %s
                certificates = %s
                log = { { levels = { min = "info" }, to = "file", filename = %s } }
                interfaces = { "127.0.0.1" }
                local_interfaces = { "127.0.0.1" }
                c2s_interfaces = { "127.0.0.1" }
                c2s_ports = { %d }
                component_interfaces = { "127.0.0.1" }
                component_ports = { %d }
                s2s_ports = { }
                c2s_direct_tls_ports = { }
                legacy_ssl_ports = { }
                http_ports = { }
                https_ports = { }
                modules_enabled = { "roster"; "saslauth"; "disco"; "presence"; "ping"; "posix" }
                modules_disabled = { "s2s"; "tls"; "offline"; "c2s_direct_tls" }
                c2s_require_encryption = false
                s2s_require_encryption = false
                allow_unencrypted_plain_auth = true
                authentication = "internal_plain"
                storage = "internal"
                allow_registration = false

                VirtualHost %s

                Component %s
                    component_secret = %s
                """.formatted(lua(dir.resolve("prosody.pid").toString()), lua(dir.resolve("data").toString()),
                lua(dir.resolve("certs").toString()), lua(dir.resolve("prosody.log").toString()), c2sPort, componentPort,
                lua(XMPP_DOMAIN), lua(COMPONENT_DOMAIN), lua(componentSecret));
        Files.writeString(config, text);
    }

    private static String lua(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Starts the process again (after {@link #stop()}) and waits until both the c2s and the component port accept connections. */
    public synchronized void startAgain() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("Prosody is already running, pid " + process.pid());
        }
        starts++;
        process = new ProcessBuilder(PROSODY.toString(), "--config", config.toString(), "-F")
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("prosody-" + starts + ".out").toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Prosody exited with status " + process.exitValue() + " before it listened\n" + output());
            }
            if (accepts(c2sPort) && accepts(componentPort)) {
                return;
            }
            sleep(100);
        }
        stop();
        throw new IOException("Prosody did not listen on " + c2sPort + " and " + componentPort + " within " + START_TIMEOUT + "\n" + output());
    }

    /** SIGTERM to its own pid; SIGKILL if it has not ended after a bounded wait. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops and starts again on the same ports, configuration and data. */
    public void restart() throws IOException {
        stop();
        startAgain();
    }

    /** Creates (or resets the password of) an account {@code user@xmppDomain()} with {@code prosodyctl register}. */
    public void register(String user, String password) throws IOException {
        Path out = dir.resolve("prosodyctl.out");
        Process ctl = new ProcessBuilder(PROSODYCTL.toString(), "--config", config.toString(), "register", user, XMPP_DOMAIN, password)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!ctl.waitFor(20, TimeUnit.SECONDS)) {
                ctl.destroyForcibly();
                throw new IOException("prosodyctl register " + user + " did not finish within 20 s");
            }
        } catch (InterruptedException e) {
            ctl.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (ctl.exitValue() != 0) {
            throw new IOException("prosodyctl register " + user + " failed with status " + ctl.exitValue() + "\n" + Files.readString(out));
        }
    }

    /** Registers each user with the given password. */
    public void registerAll(List<String> users, String password) throws IOException {
        for (String user : users) {
            register(user, password);
        }
    }

    public int c2sPort() {
        return c2sPort;
    }

    public int componentPort() {
        return componentPort;
    }

    public String xmppDomain() {
        return XMPP_DOMAIN;
    }

    public String componentDomain() {
        return COMPONENT_DOMAIN;
    }

    public String componentSecret() {
        return componentSecret;
    }

    /**
     * The configuration's {@code bridge} section for this server's component, with the SIP domain and the domain XMPP
     * users have on the SIP side; further keys of the section may follow, indented by two spaces.
     */
    public String bridgeSection(String sipDomain, String xmppUsersSipDomain) {
        return """
                bridge:
                  enabled: true
                  xmpp-host: 127.0.0.1
                  xmpp-port: %d
                  component-domain: %s
                  component-secret: "%s"
                  xmpp-domain: %s
                  sip-domain: %s
                  xmpp-users-sip-domain: %s
                """.formatted(componentPort(), componentDomain(), componentSecret, xmppDomain(), sipDomain, xmppUsersSipDomain);
    }

    public Path directory() {
        return dir;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Prosody's log file and the process output of every start, for failure messages. */
    public String output() {
        StringBuilder text = new StringBuilder();
        try {
            Path log = dir.resolve("prosody.log");
            if (Files.exists(log)) {
                text.append(Files.readString(log, StandardCharsets.UTF_8));
            }
            for (int i = 1; i <= starts; i++) {
                Path out = dir.resolve("prosody-" + i + ".out");
                if (Files.exists(out)) {
                    text.append(Files.readString(out, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            text.append("(could not read Prosody's output: ").append(e).append(')');
        }
        return text.toString();
    }

    @Override
    public void close() {
        stop();
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
