package org.switchboard.deploy;

import java.io.File;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code deploy/pool}: a pool of Switchboard instances on loopback behind Kamailio's dispatcher, sharing one
 * PostgreSQL. Starts Debian's PostgreSQL (its data in the pool directory) unless one is given, N instances through
 * {@code deploy/run} (each on its own SIP and HTTP ports and data directory, all on that database), then Kamailio
 * with {@code deploy/kamailio-pool.cfg} and a list of the instances; prints one line per instance and one ready
 * line with the pool's SIP address; on SIGINT or SIGTERM stops everything it started, by pid, in reverse order.
 */
public final class Pool {

    private static final Duration INSTANCE_START = Duration.ofSeconds(180);
    private static final Duration PEER_START = Duration.ofSeconds(30);
    private static final String USAGE = String.join("\n",
            "Usage: deploy/pool [options]",
            "  --instances N        Switchboard instances (default 3)",
            "  --sip-port PORT      the pool's SIP port, on 127.0.0.1, UDP and TCP (default 5060)",
            "  --config FILE        the instances' configuration (default deploy/switchboard.yaml)",
            "  --dir DIR            where logs, data and the generated Kamailio files go (default: a new temporary",
            "                       directory, removed at stop)",
            "  --database-url URL   use this PostgreSQL instead of starting one (jdbc:postgresql://host:port/db)",
            "  --help               print this and exit");

    private final Path home;
    private final List<Process> started = new ArrayList<>();
    private Path dir;
    private boolean ownDir;

    private Pool(Path home) {
        this.home = home;
    }

    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("switchboard.home", ".")).toAbsolutePath();
        int instances = 3;
        int sipPort = 5060;
        Path config = home.resolve("deploy/switchboard.yaml");
        Path dir = null;
        String databaseUrl = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help") || option.equals("-h")) {
                System.out.println(USAGE);
                return;
            }
            if (i + 1 >= args.length) {
                fail("deploy/pool: " + option + " needs a value (see --help)");
            }
            String value = args[++i];
            try {
                switch (option) {
                    case "--instances" -> instances = Integer.parseInt(value);
                    case "--sip-port" -> sipPort = Integer.parseInt(value);
                    case "--config" -> config = Path.of(value).toAbsolutePath();
                    case "--dir" -> dir = Path.of(value).toAbsolutePath();
                    case "--database-url" -> databaseUrl = value;
                    default -> fail("deploy/pool: unknown option " + option + " (see --help)");
                }
            } catch (NumberFormatException e) {
                fail("deploy/pool: " + option + " needs a whole number, not '" + value + "'");
            }
        }
        if (instances < 1 || instances > 16) {
            fail("deploy/pool: --instances must be 1 to 16");
        }
        if (!Files.isReadable(config)) {
            fail("deploy/pool: cannot read the configuration " + config);
        }
        Pool pool = new Pool(home);
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        try {
            pool.start(instances, sipPort, config, dir, databaseUrl);
            stop.await();
        } catch (IOException | RuntimeException e) {
            System.err.println("deploy/pool: " + e.getMessage());
            pool.stop();
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("Switchboard pool stopping");
        pool.stop();
        System.out.println("Switchboard pool stopped");
        System.exit(0);
    }

    private static void fail(String line) {
        System.err.println(line);
        System.exit(2);
    }

    private void start(int instances, int sipPort, Path config, Path given, String databaseUrl) throws IOException, InterruptedException {
        ownDir = given == null;
        dir = ownDir ? Files.createTempDirectory("switchboard-pool-") : Files.createDirectories(given);
        if (databaseUrl == null) {
            int port = freePort();
            long pid = startPostgres(port);
            databaseUrl = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
            System.out.println("pool: PostgreSQL on 127.0.0.1:" + port + ", pid " + pid + ", data in " + dir.resolve("postgres"));
        }
        List<int[]> ports = new ArrayList<>();
        List<Process> runners = new ArrayList<>();
        for (int i = 1; i <= instances; i++) {
            int[] instance = {freePort(), freePort()};
            ports.add(instance);
            runners.add(startInstance(i, instance[0], instance[1], config, databaseUrl));
        }
        for (int i = 1; i <= instances; i++) {
            awaitLine(runners.get(i - 1), dir.resolve("instance-" + i + ".log"), " ready: ", INSTANCE_START, "instance " + i);
            System.out.println("pool: instance " + i + ": SIP 127.0.0.1:" + ports.get(i - 1)[0] + ", HTTP 127.0.0.1:" + ports.get(i - 1)[1]
                    + ", pid " + runners.get(i - 1).pid() + ", log " + dir.resolve("instance-" + i + ".log"));
        }
        startKamailio(sipPort, ports);
        System.out.println("Switchboard pool ready: SIP 127.0.0.1:" + sipPort + " (udp, tcp) through Kamailio's dispatcher, " + instances
                + " instance(s), pool directory " + dir);
    }

    // ----- PostgreSQL -----

    private long startPostgres(int port) throws IOException, InterruptedException {
        Path bin = postgresBin().orElseThrow(() -> new IOException("PostgreSQL's server is not installed "
                + "(apt-get install -y postgresql), or give --database-url"));
        Path pgDir = Files.createDirectories(dir.resolve("postgres"));
        Path data = pgDir.resolve("data");
        if (root()) {
            run(List.of("chown", "postgres:postgres", pgDir.toString()));
            // The postgres user must be able to pass through the pool directory (not read it) to reach its own.
            dir.toFile().setExecutable(true, false);
        }
        if (!Files.isDirectory(data)) {
            try {
                run(asServerUser(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                        "--encoding=UTF8", "--locale=C", "--no-sync")));
            } catch (IOException e) {
                throw new IOException(e.getMessage() + (root() ? " (running as root, PostgreSQL runs as the postgres user, which must be "
                        + "able to reach " + pgDir + ": every directory above it searchable by others)" : ""), e);
            }
        }
        Files.writeString(data.resolve("postgresql.auto.conf"), """
                listen_addresses = '127.0.0.1'
                port = %d
                unix_socket_directories = '%s'
                logging_collector = off
                """.formatted(port, pgDir));
        Process postgres = new ProcessBuilder(asServerUser(List.of(bin.resolve("postgres").toString(), "-D", data.toString())))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(pgDir.resolve("postgres.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        started.add(postgres);
        long deadline = System.nanoTime() + PEER_START.toNanos();
        while (System.nanoTime() < deadline) {
            if (!postgres.isAlive()) {
                throw new IOException("PostgreSQL exited; see " + pgDir.resolve("postgres.log"));
            }
            Process ready = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-q")
                    .redirectErrorStream(true).start();
            if (ready.waitFor(5, TimeUnit.SECONDS) && ready.exitValue() == 0) {
                return postgres.pid();
            }
            Thread.sleep(200);
        }
        throw new IOException("PostgreSQL did not accept connections within " + PEER_START.toSeconds() + " s; see "
                + pgDir.resolve("postgres.log"));
    }

    private static Optional<Path> postgresBin() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparing(Path::toString));
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** PostgreSQL refuses to run as root: as root, run it as Debian's postgres user, in place (the pid is its own). */
    private static List<String> asServerUser(List<String> command) {
        if (!root()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + out.strip().replaceAll("\\s*\\R\\s*", " "));
        }
    }

    // ----- instances -----

    private Process startInstance(int i, int sipPort, int httpPort, Path config, String databaseUrl) throws IOException {
        Path log = dir.resolve("instance-" + i + ".log");
        Process runner = new ProcessBuilder(home.resolve("deploy/run").toString(), "--config", config.toString(),
                "--sip-address", "127.0.0.1", "--sip-port", String.valueOf(sipPort), "--http-address", "127.0.0.1",
                "--http-port", String.valueOf(httpPort), "--data-dir", dir.resolve("instance-" + i).toString(),
                "--database-url", databaseUrl, "--pool", "--drain-seconds", "6")
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        started.add(runner);
        return runner;
    }

    private static void awaitLine(Process process, Path log, String marker, Duration timeout, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(marker)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IOException(what + " exited with status " + process.exitValue() + "; see " + log);
            }
            Thread.sleep(200);
        }
        throw new IOException(what + " was not ready within " + timeout.toSeconds() + " s; see " + log);
    }

    // ----- Kamailio -----

    private void startKamailio(int sipPort, List<int[]> instances) throws IOException, InterruptedException {
        Path kamailio = Path.of("/usr/sbin/kamailio");
        if (!Files.isExecutable(kamailio)) {
            throw new IOException("Kamailio is not installed (apt-get install -y kamailio)");
        }
        Path kDir = Files.createDirectories(dir.resolve("kamailio"));
        StringBuilder list = new StringBuilder("# set destination (one line per Switchboard instance)\n");
        for (int[] instance : instances) {
            list.append("1 sip:127.0.0.1:").append(instance[0]).append('\n');
        }
        Files.writeString(kDir.resolve("pool.list"), list);
        Files.writeString(kDir.resolve("kamailio.cfg"), """
                #!KAMAILIO
                listen=udp:127.0.0.1:%d
                listen=tcp:127.0.0.1:%d
                #!define POOL_LIST "%s"
                include_file "%s"
                """.formatted(sipPort, sipPort, kDir.resolve("pool.list"), home.resolve("deploy/kamailio-pool.cfg")));
        Process process = new ProcessBuilder(kamailio.toString(), "-f", kDir.resolve("kamailio.cfg").toString(), "-DD", "-E",
                "-Y", kDir.toString(), "-P", kDir.resolve("kamailio.pid").toString(), "-w", kDir.toString(), "-m", "64", "-M", "8")
                .directory(kDir.toFile()).redirectErrorStream(true).redirectOutput(kDir.resolve("kamailio.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        started.add(process);
        long deadline = System.nanoTime() + PEER_START.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kamailio exited with status " + process.exitValue() + "; see " + kDir.resolve("kamailio.log"));
            }
            if (answersOptions(sipPort)) {
                System.out.println("pool: Kamailio " + "pid " + process.pid() + ", log " + kDir.resolve("kamailio.log"));
                return;
            }
        }
        throw new IOException("the pool did not answer OPTIONS through Kamailio within " + PEER_START.toSeconds() + " s; see "
                + kDir.resolve("kamailio.log"));
    }

    /** One OPTIONS through the dispatcher: true when an instance answers 200 within 500 ms. */
    private static boolean answersOptions(int port) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(500);
            int local = socket.getLocalPort();
            long id = System.nanoTime();
            String request = "OPTIONS sip:ping@127.0.0.1:" + port + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + local + ";branch=z9hG4bK-pool-" + id + ";rport\r\n"
                    + "From: <sip:pool@127.0.0.1:" + local + ">;tag=pool\r\n"
                    + "To: <sip:ping@127.0.0.1:" + port + ">\r\n"
                    + "Call-ID: pool-" + id + "@127.0.0.1\r\n"
                    + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
            DatagramPacket answer = new DatagramPacket(new byte[8192], 8192);
            try {
                socket.receive(answer);
            } catch (SocketTimeoutException e) {
                return false;
            }
            return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII).startsWith("SIP/2.0 200");
        }
    }

    // ----- ports and stopping -----

    /** A port free on 127.0.0.1 for both TCP and UDP at this moment. */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = tcp.getLocalPort();
            }
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                return port;
            } catch (IOException takenForUdp) {
                // try another
            }
        }
        throw new IOException("no free port on 127.0.0.1");
    }

    /** Stops what was started, newest first: Kamailio, the instances (each finishing its work), PostgreSQL. */
    private void stop() {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process process = started.get(i);
            if (!process.isAlive()) {
                continue;
            }
            try {
                // PostgreSQL's fast shutdown is SIGINT; everyone else stops cleanly on SIGTERM.
                String signal = i == 0 && process.info().command().map(c -> c.endsWith("setpriv") || c.endsWith("postgres")).orElse(false)
                        ? "-INT" : "-TERM";
                new ProcessBuilder("kill", signal, String.valueOf(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
        if (ownDir && dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("deploy/pool: could not remove " + dir + ": " + e.getMessage());
            }
        }
    }
}
