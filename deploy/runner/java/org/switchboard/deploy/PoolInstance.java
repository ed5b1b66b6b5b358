package org.switchboard.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One Switchboard instance of {@code deploy/pool}: a {@code deploy/run} process on its own SIP and HTTP ports of
 * 127.0.0.1 and its own data directory, on the pool's database. It keeps its ports, data directory and log across
 * restarts (the log is appended to), so that a restarted instance is the same list entry for the dispatcher and finds
 * its own data again.
 */
final class PoolInstance {

    /**
     * What every instance of the pool is started with.
     *
     * @param drainSeconds its drain on SIGTERM ({@code deploy/run --drain-seconds})
     * @param console whether it serves the web console
     * @param war the archive it deploys, when not deploy/run's default
     */
    record Options(int drainSeconds, boolean console, Optional<Path> war) {
    }

    /** Beyond the drain, how long a stopping instance may take before it is killed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);

    private final int number;
    private final int sipPort;
    private final int httpPort;
    private final Path dataDir;
    private final Path log;
    private final Path home;
    private final Path config;
    private final String databaseUrl;
    private final Options options;
    private Process process;
    /** Where the log stood when the current process was started: its ready line comes after. */
    private long logOffset;

    PoolInstance(int number, int sipPort, int httpPort, Path poolDir, Path home, Path config, String databaseUrl, Options options) {
        this.number = number;
        this.sipPort = sipPort;
        this.httpPort = httpPort;
        this.dataDir = poolDir.resolve("instance-" + number);
        this.log = poolDir.resolve("instance-" + number + ".log");
        this.home = home;
        this.config = config;
        this.databaseUrl = databaseUrl;
        this.options = options;
    }

    int number() {
        return number;
    }

    /** The instance's entry in the dispatcher's list, as the dispatcher names it in its log. */
    String sipUri() {
        return "sip:127.0.0.1:" + sipPort;
    }

    synchronized long pid() {
        return process.pid();
    }

    /** Starts the process and returns at once; {@link #awaitReady} follows. */
    synchronized void start() throws IOException {
        logOffset = LogFile.size(log);
        List<String> command = new ArrayList<>(List.of(home.resolve("deploy/run").toString(), "--config", config.toString(),
                "--sip-address", "127.0.0.1", "--sip-port", String.valueOf(sipPort), "--http-address", "127.0.0.1",
                "--http-port", String.valueOf(httpPort), "--data-dir", dataDir.toString(),
                "--database-url", databaseUrl, "--pool", "--drain-seconds", String.valueOf(options.drainSeconds()),
                // Killed pool, no orphans: the instance stops (draining) when the pool's process ends.
                "--exit-with-parent", String.valueOf(ProcessHandle.current().pid())));
        if (!options.console()) {
            command.add("--no-console");
        }
        options.war().ifPresent(war -> command.addAll(List.of("--war", war.toString())));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
    }

    /** Waits for the current process's ready line; fails when it exits first or the timeout passes. */
    void awaitReady(Duration timeout) throws IOException, InterruptedException {
        Process current;
        long offset;
        synchronized (this) {
            current = process;
            offset = logOffset;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (LogFile.textFrom(log, offset).contains(" ready: ")) {
                return;
            }
            if (!current.isAlive()) {
                throw new IOException("instance " + number + " exited with status " + current.exitValue() + "; see " + log);
            }
            Thread.sleep(200);
        }
        throw new IOException("instance " + number + " was not ready within " + timeout.toSeconds() + " s; see " + log);
    }

    /**
     * SIGTERM: the instance drains (answers probes 503 and serves on for its drain time), then stops; killed if it
     * has not stopped {@link #STOP_GRACE} after the drain. Returns its exit status.
     */
    int stop() throws InterruptedException {
        Process current;
        synchronized (this) {
            current = process;
        }
        if (current == null) {
            return 0;
        }
        current.destroy();
        if (!current.waitFor(options.drainSeconds() + STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
            current.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return current.isAlive() ? -1 : current.exitValue();
    }

    /** The instance's line of the pool's output. */
    synchronized String describe() {
        return "SIP 127.0.0.1:" + sipPort + ", HTTP 127.0.0.1:" + httpPort + ", pid " + process.pid() + ", log " + log;
    }
}
