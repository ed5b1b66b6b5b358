package org.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.config.DatabaseSettings;

/**
 * A real PostgreSQL server from Debian's packages ({@code postgresql-15}: {@code /usr/lib/postgresql/N/bin}),
 * in its own process, with its data directory in a fresh temporary directory (deleted at close), listening on
 * 127.0.0.1 only
 * (its Unix socket in that directory too), trust authentication for user {@code postgres}. Stopped by its own
 * pid; {@link #stop()} and {@link #startAgain()} take the database away and bring it back on the same port and
 * data, as an outage does.
 *
 * <p>PostgreSQL refuses to run as root. When the tests run as root (CI machines do), the server runs as the
 * {@code postgres} user that the Debian package creates, through {@code setpriv}, which executes it in place:
 * the pid we hold is the server's own.
 */
public final class DebianPostgres implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path data;
    private final Path bin;
    private final int port;
    private Process process;

    private DebianPostgres(Path dir, Path bin, int port) {
        this.dir = dir;
        this.data = dir.resolve("pgdata");
        this.bin = bin;
        this.port = port;
    }

    /** The newest installed server's bin directory, or null. */
    public static Path binDir() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/postgres")) && Files.isExecutable(v.resolve("bin/initdb")))
                    .max((a, b) -> Integer.compare(version(a), version(b))).map(v -> v.resolve("bin")).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static int version(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public static boolean installed() {
        return binDir() != null;
    }

    /** Skips the calling test when the server is not installed (CI installs it: .ci/run). */
    public static void assumeInstalled() {
        Peers.require(installed(), "PostgreSQL's server is not installed (apt-get install -y postgresql)");
    }

    /**
     * initdb into a new temporary directory, then starts the server on a free port and waits until it takes
     * connections. The directory sits directly in the system's temporary directory, so that the postgres user
     * can reach it when we are root.
     */
    public static DebianPostgres start() throws IOException {
        Path bin = binDir();
        if (bin == null) {
            throw new IllegalStateException("PostgreSQL's server is not installed (apt-get install -y postgresql)");
        }
        Path dir = Files.createTempDirectory("debian-postgres-");
        DebianPostgres postgres = new DebianPostgres(dir.toAbsolutePath(), bin, FreePorts.udpAndTcp());
        postgres.initdb();
        postgres.startAgain();
        return postgres;
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command, run as the postgres user when we are root. */
    private static List<String> asServerUser(List<String> command) {
        if (!root()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private void initdb() throws IOException {
        if (root()) {
            run(List.of("chown", "postgres:postgres", dir.toString()));
        }
        run(asServerUser(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-sync")));
        // The benchmark and fault runs want a server that behaves like a real one (fsync on), but small.
        Files.writeString(data.resolve("postgresql.conf"), """

                listen_addresses = '127.0.0.1'
                port = %d
                unix_socket_directories = '%s'
                max_connections = 100
                shared_buffers = 128MB
                logging_collector = off
                """.formatted(port, dir), java.nio.file.StandardOpenOption.APPEND);
    }

    private static void run(List<String> command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Starts the server (again) on the same port and data; returns once it accepts connections. */
    public void startAgain() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder(asServerUser(List.of(bin.resolve("postgres").toString(), "-D", data.toString())))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("PostgreSQL exited with status " + process.exitValue() + ":\n" + log());
            }
            if (acceptsQueries()) {
                return;
            }
            sleep(100);
        }
        stop();
        throw new IOException("PostgreSQL did not accept connections within " + START_TIMEOUT + ":\n" + log());
    }

    private boolean acceptsQueries() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        } catch (IOException e) {
            return false;
        }
        try (Connection connection = connect()) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false; // "the database system is starting up"
        }
    }

    /** Stops the server by its pid: SIGTERM (PostgreSQL's smart shutdown), then SIGKILL if it lingers. */
    public void stop() {
        if (process == null) {
            return;
        }
        // Fast shutdown (SIGINT) ends open sessions at once, as an outage does; SIGTERM would wait for them.
        try {
            new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** The JDBC URL of its {@code postgres} database, as {@code storage.database.url} takes it. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    /** Database settings for Switchboard: this server's {@code postgres} database, the given pool size. */
    public DatabaseSettings settings(int poolSize, int connectTimeoutSeconds) {
        return new DatabaseSettings(url(), user(), "", poolSize, connectTimeoutSeconds);
    }

    /** A new empty database on this server; its JDBC URL. */
    public String createDatabase(String name) throws SQLException {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection c = connect(); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
    }

    /** The server's version, e.g. {@code 15.18}. */
    public String version() throws SQLException {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1).split(" ")[0];
        }
    }

    /** A new connection, for checking rows. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), "postgres", "");
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("postgres.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
