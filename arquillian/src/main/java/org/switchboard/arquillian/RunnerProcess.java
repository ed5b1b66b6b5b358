package org.switchboard.arquillian;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.spi.client.container.DeploymentException;

/**
 * The runner (switchboard-runner.jar and lib/) in its own process, as deploy/run starts it. Stopped by its
 * pid: on {@link #stop()}, or by a shutdown hook if the test JVM ends first.
 */
final class RunnerProcess {

    /** What Tomcat 7's leak cleanup needs on Java 17 when the webapp stops (deploy/run passes the same). */
    private static final List<String> CONTAINER_OPENS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED");
    private static final String READY = " ready: ";
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int LAST_LINES = 20;

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final Thread shutdownHook;

    private RunnerProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.shutdownHook = new Thread(this::destroy, "switchboard-runner-" + process.pid() + "-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the runner with these program arguments; its output goes to files in {@code workDir}. */
    static RunnerProcess start(Path runnerDir, List<String> javaOptions, List<String> arguments, Path workDir)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.addAll(CONTAINER_OPENS);
        // The runner finds deploy/dar.properties and its logging configuration under its home.
        command.add("-Dswitchboard.home=" + runnerDir.toAbsolutePath());
        command.addAll(javaOptions);
        command.add("-cp");
        command.add(runnerDir.resolve("switchboard-runner.jar").toAbsolutePath() + File.pathSeparator
                + runnerDir.resolve("lib").toAbsolutePath() + File.separator + "*");
        command.add("org.switchboard.deploy.Main");
        command.addAll(arguments);
        Path out = workDir.resolve("runner.out");
        Path err = workDir.resolve("runner.err");
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File(isWindows() ? "NUL" : "/dev/null")))
                .start();
        return new RunnerProcess(process, out, err);
    }

    /**
     * Returns when the runner printed its ready line. If it exits first, or the timeout passes (then it is
     * stopped), fails with the cause and the last lines of its output.
     */
    void awaitReady(Duration timeout) throws DeploymentException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!read(stdout).contains(READY)) {
            if (!process.isAlive()) {
                stop();
                throw new DeploymentException("Switchboard (pid " + pid() + ") exited with status " + process.exitValue()
                        + " before it was ready:\n" + lastLines());
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw new DeploymentException("Switchboard (pid " + pid() + ") was not ready within " + timeout.toSeconds()
                        + " s (container property startupTimeoutSeconds); it was stopped. Its last output:\n" + lastLines());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new DeploymentException("interrupted while waiting for Switchboard to start; it was stopped", e);
            }
        }
    }

    long pid() {
        return process.pid();
    }

    Path stderr() {
        return stderr;
    }

    /** SIGTERM, then SIGKILL if the runner has not stopped within the grace period. */
    void stop() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
    }

    private void destroy() {
        ProcessHandle handle = process.toHandle();
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                handle.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            handle.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String lastLines() {
        List<String> lines = new ArrayList<>();
        lines.addAll(read(stdout).lines().toList());
        lines.addAll(read(stderr).lines().toList()); // last: a start-up error is the runner's final line there
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LAST_LINES), lines.size()));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean isWindows() {
        return File.separatorChar == '\\';
    }
}
