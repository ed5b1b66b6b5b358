package org.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.switchboard.arquillian.FreePorts;

/**
 * dnsmasq from Debian as a real DNS server on 127.0.0.1 and a free port, answering only what the test gives
 * it (SRV records; names under "local" domains it does not know are answered "no such name"). Stopped by
 * its own pid.
 */
public final class Dnsmasq implements AutoCloseable {

    private static final String DNSMASQ = "/usr/sbin/dnsmasq";

    private final Process process;
    private final int port;
    private final Path out;

    private Dnsmasq(Process process, int port, Path out) {
        this.process = process;
        this.port = port;
        this.out = out;
    }

    /** One SRV record: {@code _sip._udp.example.test} → 127.0.0.1:{@code port}. */
    public record Srv(String name, String target, int port, int priority) {
    }

    /**
     * @param localDomains domains answered only from the given records (no such name for anything else)
     */
    public static Dnsmasq start(Path workDir, List<Srv> records, List<String> localDomains) throws IOException, InterruptedException {
        int port = FreePorts.udpAndTcp();
        List<String> command = new ArrayList<>(List.of(DNSMASQ, "--keep-in-foreground", "--no-daemon", "--port=" + port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--pid-file=", "--log-facility=-", "--user=" + System.getProperty("user.name")));
        for (Srv srv : records) {
            command.add("--srv-host=" + srv.name() + "," + srv.target() + "," + srv.port() + "," + srv.priority() + ",0");
        }
        for (String domain : localDomains) {
            command.add("--local=/" + domain + "/");
        }
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "dnsmasq-", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        Dnsmasq dns = new Dnsmasq(process, port, out);
        for (int i = 0; i < 50 && !Files.readString(out).contains("started"); i++) { // at most 5 s
            if (!process.isAlive()) {
                throw new AssertionError("dnsmasq exited: " + Files.readString(out));
            }
            Thread.sleep(100);
        }
        return dns;
    }

    public int port() {
        return port;
    }

    /** The resolver address in the form the configuration takes. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public String output() throws IOException {
        return Files.readString(out);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
