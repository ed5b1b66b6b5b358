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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * {@code deploy/pool}: a pool of Switchboard instances on loopback behind Kamailio's dispatcher, sharing one
 * PostgreSQL. Starts Debian's PostgreSQL (its data in the pool directory) unless one is given, N instances through
 * {@code deploy/run} (each on its own SIP and HTTP ports and data directory, all on that database), then Kamailio
 * with {@code deploy/kamailio-pool.cfg} and a list of the instances; prints one line per instance and one ready
 * line with the pool's SIP address; on SIGINT or SIGTERM stops everything it started, by pid, in reverse order. On
 * SIGHUP it restarts the instances one at a time (a rolling restart, e.g. to take a changed configuration): each drains,
 * stops, starts again on the same ports and data directory, and the next goes only once the dispatcher has taken the
 * restarted one back, so that some instance always serves.
 */
public final class Pool {

    private static final Duration INSTANCE_START = Duration.ofSeconds(180);
    private static final Duration PEER_START = Duration.ofSeconds(30);
    /** How long the dispatcher may take to probe a restarted instance and take it back (it probes every 2 s). */
    private static final Duration DISPATCHER_TAKES_BACK = Duration.ofSeconds(30);
    /** Kamailio's shared memory (its -m), in MB: see startKamailio. */
    private static final int KAMAILIO_SHARED_MB = 512;
    private static final String USAGE = String.join("\n",
            "Usage: deploy/pool [options]",
            "  --instances N        Switchboard instances (default 3)",
            "  --sip-port PORT      the pool's SIP port, on 127.0.0.1, UDP and TCP (default 5060)",
            "  --config FILE        the instances' configuration (default deploy/switchboard.yaml)",
            "  --dir DIR            where logs, data and the generated Kamailio files go (default: a new temporary",
            "                       directory, removed at stop)",
            "  --database-url URL   use this PostgreSQL instead of starting one (jdbc:postgresql://host:port/db)",
            "  --war FILE           the archive every instance deploys (default target/switchboard.war)",
            "  --no-console         start the instances without their web console (hawtio; it adds seconds to each start)",
            "  --drain-seconds N    each instance's drain on SIGTERM (deploy/run --drain-seconds; default 6, at least 3:",
            "                       the dispatcher probes every 2 s)",
            "  --help               print this and exit",
            "Signals: SIGINT/SIGTERM stop the pool; SIGHUP restarts the instances one at a time (a rolling restart).");

    private final Path home;
    private final List<PoolInstance> instances = new ArrayList<>();
    private final AtomicBoolean rolling = new AtomicBoolean();
    private Process postgres;
    private Process kamailio;
    private Path kamailioLog;
    private Path dir;
    private boolean ownDir;
    private volatile boolean ready;
    private volatile boolean stopping;

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
        int drainSeconds = 6;
        boolean console = true;
        Path war = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help") || option.equals("-h")) {
                System.out.println(USAGE);
                return;
            }
            if (option.equals("--no-console")) {
                console = false;
                continue;
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
                    case "--drain-seconds" -> drainSeconds = Integer.parseInt(value);
                    case "--war" -> war = Path.of(value).toAbsolutePath();
                    default -> fail("deploy/pool: unknown option " + option + " (see --help)");
                }
            } catch (NumberFormatException e) {
                fail("deploy/pool: " + option + " needs a whole number, not '" + value + "'");
            }
        }
        if (instances < 1 || instances > 16) {
            fail("deploy/pool: --instances must be 1 to 16");
        }
        if (drainSeconds < 3 || drainSeconds > 3600) {
            fail("deploy/pool: --drain-seconds must be 3 to 3600 (the dispatcher needs a probe interval and a reply to take a "
                    + "draining instance out)");
        }
        if (!Files.isReadable(config)) {
            fail("deploy/pool: cannot read the configuration " + config);
        }
        if (war != null && !Files.isReadable(war)) {
            fail("deploy/pool: cannot read the archive " + war);
        }
        Pool pool = new Pool(home);
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        Signals.onHangup(pool::requestRollingRestart);
        try {
            pool.start(instances, sipPort, config, dir, databaseUrl, new PoolInstance.Options(drainSeconds, console, Optional.ofNullable(war)));
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

    private void start(int count, int sipPort, Path config, Path given, String databaseUrl, PoolInstance.Options options)
            throws IOException, InterruptedException {
        ownDir = given == null;
        dir = ownDir ? Files.createTempDirectory("switchboard-pool-") : Files.createDirectories(given);
        if (databaseUrl == null) {
            int port = freePort();
            long pid = startPostgres(port);
            databaseUrl = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
            System.out.println("pool: PostgreSQL on 127.0.0.1:" + port + ", pid " + pid + ", data in " + dir.resolve("postgres"));
        }
        for (int i = 1; i <= count; i++) {
            PoolInstance instance = new PoolInstance(i, freePort(), freePort(), dir, home, config, databaseUrl, options);
            instances.add(instance);
            instance.start();
        }
        for (PoolInstance instance : instances) {
            instance.awaitReady(INSTANCE_START);
            System.out.println("pool: instance " + instance.number() + ": " + instance.describe());
        }
        startKamailio(sipPort);
        System.out.println("Switchboard pool ready: SIP 127.0.0.1:" + sipPort + " (udp, tcp) through Kamailio's dispatcher, " + count
                + " instance(s), pool directory " + dir);
        ready = true;
    }

    // ----- rolling restart -----

    /** SIGHUP: a rolling restart on its own thread (the signal thread must not wait), unless one is under way. */
    private void requestRollingRestart() {
        if (!ready || stopping) {
            System.out.println("pool: SIGHUP ignored: the pool is " + (stopping ? "stopping" : "not ready yet"));
            return;
        }
        if (!rolling.compareAndSet(false, true)) {
            System.out.println("pool: SIGHUP ignored: a rolling restart is under way");
            return;
        }
        Thread roller = new Thread(() -> {
            try {
                rollingRestart();
            } finally {
                rolling.set(false);
            }
        }, "pool-rolling-restart");
        roller.setDaemon(true);
        roller.start();
    }

    /**
     * Each instance in turn: SIGTERM (it answers the dispatcher's probe 503 and serves on for its drain time, so the
     * dispatcher sends it nothing new before it stops), started again on the same ports and data directory, ready, and
     * taken back by the dispatcher (its "is up" line) before the next one goes. Stops at the first instance that does
     * not come back, leaving the others serving.
     */
    private void rollingRestart() {
        System.out.println("pool: rolling restart of " + instances.size() + " instance(s), one at a time"
                + (instances.size() == 1 ? " (with one instance, requests fail while it restarts)" : ""));
        for (PoolInstance instance : instances) {
            try {
                long kamailioFrom = LogFile.size(kamailioLog);
                System.out.println("pool: instance " + instance.number() + " draining (pid " + instance.pid() + ", SIGTERM)");
                int status = instance.stop();
                if (stopping) {
                    return;
                }
                System.out.println("pool: instance " + instance.number() + " stopped (exit " + status + "), starting again");
                synchronized (this) {
                    if (stopping) {
                        return;
                    }
                    instance.start();
                }
                instance.awaitReady(INSTANCE_START);
                awaitTakenBack(instance, kamailioFrom);
                System.out.println("pool: instance " + instance.number() + " restarted: " + instance.describe());
            } catch (IOException e) {
                System.out.println("pool: rolling restart stopped at instance " + instance.number() + ": " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        System.out.println("pool: rolling restart done");
    }

    /** Waits for the dispatcher's line saying it takes {@code instance} back (deploy/kamailio-pool.cfg's dst-up event). */
    private void awaitTakenBack(PoolInstance instance, long kamailioFrom) throws IOException, InterruptedException {
        String up = "pool: instance " + instance.sipUri() + " is up";
        long deadline = System.nanoTime() + DISPATCHER_TAKES_BACK.toNanos();
        while (System.nanoTime() < deadline) {
            if (LogFile.textFrom(kamailioLog, kamailioFrom).contains(up)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("the dispatcher did not take instance " + instance.number() + " back within "
                + DISPATCHER_TAKES_BACK.toSeconds() + " s (no '" + up + "' in " + kamailioLog + ")");
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
        postgres = new ProcessBuilder(asServerUser(List.of(bin.resolve("postgres").toString(), "-D", data.toString())))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(pgDir.resolve("postgres.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
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

    // ----- Kamailio -----

    private void startKamailio(int sipPort) throws IOException, InterruptedException {
        Path binary = Path.of("/usr/sbin/kamailio");
        if (!Files.isExecutable(binary)) {
            throw new IOException("Kamailio is not installed (apt-get install -y kamailio)");
        }
        Path kDir = Files.createDirectories(dir.resolve("kamailio"));
        StringBuilder list = new StringBuilder("# set destination (one line per Switchboard instance)\n");
        for (PoolInstance instance : instances) {
            list.append("1 ").append(instance.sipUri()).append('\n');
        }
        Files.writeString(kDir.resolve("pool.list"), list);
        Files.writeString(kDir.resolve("kamailio.cfg"), """
                #!KAMAILIO
                listen=udp:127.0.0.1:%d
                listen=tcp:127.0.0.1:%d
                #!define POOL_LIST "%s"
                include_file "%s"
                """.formatted(sipPort, sipPort, kDir.resolve("pool.list"), home.resolve("deploy/kamailio-pool.cfg")));
        kamailioLog = kDir.resolve("kamailio.log");
        // Shared memory holds every transaction until 5 s after its answer (tm's wait timer): at 1,000 requests/s the
        // 64 MB that Debian's packaging gives ran out (500s, "out of mem" in tm); see the README's "Running a pool".
        Process process = new ProcessBuilder(binary.toString(), "-f", kDir.resolve("kamailio.cfg").toString(), "-DD", "-E",
                "-Y", kDir.toString(), "-P", kDir.resolve("kamailio.pid").toString(), "-w", kDir.toString(), "-m", String.valueOf(KAMAILIO_SHARED_MB), "-M", "8")
                .directory(kDir.toFile()).redirectErrorStream(true).redirectOutput(kamailioLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        kamailio = process;
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
        synchronized (this) {
            stopping = true; // a rolling restart starts no instance after this
        }
        stopProcess(kamailio, "-TERM");
        for (int i = instances.size() - 1; i >= 0; i--) {
            try {
                instances.get(i).stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stopProcess(postgres, "-INT"); // PostgreSQL's fast shutdown
        if (ownDir && dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("deploy/pool: could not remove " + dir + ": " + e.getMessage());
            }
        }
    }

    private static void stopProcess(Process process, String signal) {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", signal, String.valueOf(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
