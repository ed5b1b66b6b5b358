package org.switchboard.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Build;

/**
 * The fault suite's SIP load: SIPp from Debian ({@code sip-tester}) sending OPTIONS (one per call,
 * {@code src/test/resources/sipp/options-uac.xml}) to the runner over UDP at a fixed rate, for a bounded number
 * of calls and a bounded time (SIPp's own {@code -timeout}), on 127.0.0.1. Stopped by its own pid.
 */
final class SipLoad implements AutoCloseable {

    private static final String SIPP = "/usr/bin/sipp";
    private static final Pattern SUCCESSFUL = Pattern.compile("Successful call\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)");
    private static final Pattern FAILED = Pattern.compile("Failed call\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)");

    private final Process process;
    private final Path output;
    private final int calls;

    /** What SIPp reported at its end: calls that got their 200, calls that failed, its exit status (0: every call succeeded). */
    record Result(int successful, int failed, int exitStatus, int planned) {

        @Override
        public String toString() {
            return "SIPp OPTIONS: " + successful + " of " + planned + " calls answered 200, " + failed + " failed (exit " + exitStatus + ")";
        }
    }

    private SipLoad(Process process, Path output, int calls) {
        this.process = process;
        this.output = output;
        this.calls = calls;
    }

    static boolean installed() {
        return Files.isExecutable(Path.of(SIPP));
    }

    /** Starts {@code calls} OPTIONS at {@code rate} per second towards 127.0.0.1:{@code sipPort}; SIPp gives up after {@code limit}. */
    static SipLoad start(Path dir, String name, int sipPort, int rate, int calls, Duration limit) throws IOException {
        Files.createDirectories(dir);
        Path output = dir.resolve(name + ".out");
        List<String> command = List.of(SIPP, "-sf", Build.basedir().resolve("src/test/resources/sipp/options-uac.xml").toString(),
                "-s", "ping", "-m", String.valueOf(calls), "-r", String.valueOf(rate), "-l", "500", "-t", "u1",
                "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()), "-timeout", limit.toSeconds() + "s", "-timeout_error",
                "-nostdin", "127.0.0.1:" + sipPort);
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        return new SipLoad(process, output, calls);
    }

    boolean isRunning() {
        return process.isAlive();
    }

    /** Waits (bounded) for SIPp to end by itself and reads its last statistics screen. */
    Result awaitEnd(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
        }
        String text = Files.readString(output);
        return new Result(last(SUCCESSFUL, text), last(FAILED, text), process.isAlive() ? -1 : process.exitValue(), calls);
    }

    String output() throws IOException {
        return Files.readString(output);
    }

    private static int last(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        int value = -1;
        while (matcher.find()) {
            value = Integer.parseInt(matcher.group(1));
        }
        return value;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
