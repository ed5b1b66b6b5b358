package org.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * SIPp as a long-running peer (a UAS scenario of src/test/resources/sipp, no call limit) on 127.0.0.1 over
 * UDP, with its {@code <log>} lines in a file. Stopped by its own pid.
 */
public final class SippPeer implements AutoCloseable {

    private static final String SIPP = "/usr/bin/sipp";

    private final Process process;
    private final int port;
    private final Path log;
    private final Path out;

    private SippPeer(Process process, int port, Path log, Path out) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.out = out;
    }

    /** Starts {@code scenario} on {@code port}; {@code extra} are more SIPp options (such as {@code -key name value}). */
    public static SippPeer start(Path workDir, String name, String scenario, int port, String... extra) throws IOException {
        Files.createDirectories(workDir);
        Path log = workDir.resolve(name + ".log");
        Path out = workDir.resolve(name + ".out");
        List<String> command = new ArrayList<>(List.of(SIPP, "-sf", Build.basedir().resolve("src/test/resources/sipp/" + scenario).toString(),
                "-i", "127.0.0.1", "-p", String.valueOf(port), "-t", "u1", "-nostdin", "-trace_logs", "-log_file", log.toString()));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                .start();
        return new SippPeer(process, port, log, out);
    }

    public int port() {
        return port;
    }

    /** The peer's address as a registrar URI. */
    public String uri() {
        return "sip:127.0.0.1:" + port + ";transport=udp";
    }

    /** Its {@code <log>} lines so far. */
    public List<String> logLines() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** Its log lines that start with {@code prefix}, such as "REGISTER ". */
    public List<String> lines(String prefix) throws IOException {
        return logLines().stream().filter(line -> line.startsWith(prefix)).toList();
    }

    public String describe() throws IOException {
        return "SIPp " + port + " log:\n" + String.join("\n", logLines()) + "\noutput:\n" + (Files.exists(out) ? Files.readString(out) : "");
    }

    /** Waits for a run with a call limit ({@code -m}) to end: its exit status (0 when every call passed), or -1 if it is still running. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
