package org.switchboard.testing;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.switchboard.arquillian.FreePorts;

/**
 * The real runner (deploy/runner: the Restcomm container with the built archive deployed) in its
 * own process, as an operator starts it, on free ports and a data directory of the test's. Stopped
 * by its own pid.
 */
public final class RunningSwitchboard implements AutoCloseable {

    /** As the Arquillian adapter allows: a start takes ~20 s on an idle 2-core machine, over 90 s on a loaded one. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final int sipPort;
    private final int httpPort;
    private Integer exitStatus;

    private RunningSwitchboard(Process process, Path stdout, Path stderr, int sipPort, int httpPort) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.sipPort = sipPort;
        this.httpPort = httpPort;
    }

    /** A builder for a runner in {@code workDir}: its data directory, logs and configuration live there. */
    public static Launch in(Path workDir) {
        return new Launch(workDir);
    }

    public static final class Launch {
        private final Path workDir;
        private int sipPort = FreePorts.udpAndTcp();
        private int httpPort = FreePorts.udpAndTcp();
        private Path dataDir;
        private Path config;
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> extraClasspath = new ArrayList<>();
        private final List<String> extraArgs = new ArrayList<>();
        private boolean console;

        private Launch(Path workDir) {
            this.workDir = workDir;
            this.dataDir = workDir.resolve("data");
        }

        public Launch sipPort(int port) {
            this.sipPort = port;
            return this;
        }

        public Launch httpPort(int port) {
            this.httpPort = port;
            return this;
        }

        public Launch dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** A configuration file with this content, instead of deploy/switchboard.yaml. */
        public Launch configText(String yaml) throws IOException {
            this.config = workDir.resolve("switchboard.yaml");
            Files.createDirectories(workDir);
            Files.writeString(config, yaml);
            return this;
        }

        public Launch configFile(Path file) {
            this.config = file;
            return this;
        }

        public Launch jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** Each of the space-separated options (none when blank), as a benchmark's {@code -Dbench.server.options} gives them. */
        public Launch jvmOptions(String spaceSeparated) {
            for (String option : spaceSeparated.trim().split("\\s+")) {
                if (!option.isEmpty()) {
                    jvmOptions.add(option);
                }
            }
            return this;
        }

        public Launch classpath(String entry) {
            extraClasspath.add(entry);
            return this;
        }

        /**
         * With the web console, as {@code deploy/run} starts by default. Tests leave it out unless they test it:
         * hawtio adds seconds to every start.
         */
        public Launch console() {
            this.console = true;
            return this;
        }

        public Launch arg(String... args) {
            extraArgs.addAll(Arrays.asList(args));
            return this;
        }

        /** Starts the process and returns at once; {@link RunningSwitchboard#awaitReady()} or {@link RunningSwitchboard#awaitExit} follow. */
        public RunningSwitchboard launch() throws IOException {
            Files.createDirectories(workDir);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(Arrays.asList(Build.containerOpens()));
            command.add("-Xmx512m");
            command.add("-Dswitchboard.home=" + Build.basedir());
            command.addAll(jvmOptions);
            List<String> classpath = new ArrayList<>();
            classpath.add(Build.runnerDir().resolve("switchboard-runner.jar").toString());
            classpath.add(Build.runnerDir().resolve("lib").toString() + File.separator + "*");
            classpath.addAll(extraClasspath);
            command.add("-cp");
            command.add(String.join(File.pathSeparator, classpath));
            command.add("org.switchboard.deploy.Main");
            command.addAll(List.of("--sip-port", String.valueOf(sipPort), "--http-port", String.valueOf(httpPort),
                    "--data-dir", dataDir.toString()));
            if (config != null) {
                command.addAll(List.of("--config", config.toString()));
            }
            if (!console) {
                command.add("--no-console");
            }
            command.addAll(extraArgs);
            Path out = Files.createTempFile(workDir, "runner-", ".out");
            Path err = Files.createTempFile(workDir, "runner-", ".err");
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            return new RunningSwitchboard(process, out, err, sipPort, httpPort);
        }

        /** Starts and waits for the ready line. */
        public RunningSwitchboard start() throws IOException {
            RunningSwitchboard server = launch();
            server.awaitReady();
            return server;
        }
    }

    /** Waits for the ready line; fails with the process's own output if it exits or takes too long. */
    public RunningSwitchboard awaitReady() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (stdout().contains(" ready: ")) {
                return this;
            }
            if (!process.isAlive()) {
                throw new AssertionError("Switchboard exited with status " + process.exitValue()
                        + " before it was ready.\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
            }
            sleep(100);
        }
        process.destroyForcibly();
        throw new AssertionError("Switchboard was not ready within " + READY_TIMEOUT + "\nstderr:\n" + stderr());
    }

    /** Waits for the process to end by itself; its exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("Switchboard did not exit within " + timeout);
        }
        exitStatus = process.exitValue();
        return exitStatus;
    }

    /** Sends SIGTERM, as an operator or service manager would, and returns the exit status. */
    public int terminate(Duration timeout) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM on Linux
        }
        return awaitExit(timeout);
    }

    /** SIGKILL: no chance to clean up. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public int sipPort() {
        return sipPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public URI http(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + "/switchboard" + path);
    }

    public String stdout() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    public String stderr() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
