package org.switchboard.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Build;
import org.switchboard.testing.SippResponseTimes;

/**
 * SIPp sending OPTIONS keep-alives at a steady rate for a fixed number of calls, each one's response time logged
 * (-trace_rtt). Started, then awaited; stopped by its own pid.
 */
final class OptionsProbe {

    private static final String SIPP = "/usr/bin/sipp";

    private final Process process;
    private final Path dir;
    private final int calls;
    private final String label;

    /** The figures of one run: calls made, calls that succeeded (got their 200 in time), response times sorted. */
    record Result(String label, int calls, int succeeded, boolean exitedCleanly, double[] millis) {
        double percentile(double q) {
            return SippResponseTimes.percentile(millis, q);
        }

        int failed() {
            return calls - succeeded;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %d of %d OPTIONS answered 200, p50 %.0f ms, p99 %.0f ms, max %.0f ms", label, succeeded,
                    calls, percentile(0.50), percentile(0.99), millis.length == 0 ? Double.NaN : millis[millis.length - 1]);
        }
    }

    private OptionsProbe(Process process, Path dir, int calls, String label) {
        this.process = process;
        this.dir = dir;
        this.calls = calls;
        this.label = label;
    }

    /** {@code rate} OPTIONS a second for {@code seconds} over {@code transport} ("u1" or "t1"). */
    static OptionsProbe start(Path work, String label, int serverPort, String transport, int rate, int seconds) throws IOException {
        Path dir = Files.createTempDirectory(work, "options-");
        int calls = rate * seconds;
        List<String> command = List.of(SIPP, "-sf", Build.basedir().resolve("src/test/resources/sipp/options-rtt-uac.xml").toString(),
                "-s", "keepalive", "-m", String.valueOf(calls), "-r", String.valueOf(rate), "-l", String.valueOf(rate * 10),
                "-t", transport, "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()), "-nostdin",
                "-trace_rtt", "-rtt_freq", "1", "-trace_err", "127.0.0.1:" + serverPort);
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sipp.out").toFile()).start();
        return new OptionsProbe(process, dir, calls, label);
    }

    Result await() throws Exception {
        long limit = calls / 10 + 60; // far beyond the run's own length at any rate used here
        if (!process.waitFor(limit, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        double[] millis = SippResponseTimes.read(dir, false);
        return new Result(label, calls, millis.length, !process.isAlive() && process.exitValue() == 0, millis);
    }

    String output() throws IOException {
        StringBuilder out = new StringBuilder(Files.readString(dir.resolve("sipp.out")));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path error : (Iterable<Path>) files.filter(f -> f.toString().endsWith("_errors.log"))::iterator) {
                List<String> lines = Files.readAllLines(error);
                out.append("\n").append(String.join("\n", lines.subList(0, Math.min(lines.size(), 40))));
            }
        }
        return out.toString();
    }
}
