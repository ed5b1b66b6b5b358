package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Build;
import org.switchboard.testing.RunningSwitchboard;

/** SIPp from Debian's sip-tester drives the running server: every OPTIONS of the run is answered 200. */
class SippInteropIT {

    private static final String SIPP = "/usr/bin/sipp";
    private static final int CALLS = 200;

    @TempDir
    static Path work;

    static RunningSwitchboard server;

    @BeforeAll
    static void start() throws Exception {
        assertThat(Path.of(SIPP)).as("SIPp (apt-get install sip-tester; .ci/run installs it)").isExecutable();
        server = RunningSwitchboard.in(work).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"u1", "t1"})
    void every_options_of_a_sipp_run_is_answered_200(String transportMode) throws Exception {
        Path scenario = Build.basedir().resolve("src/test/resources/sipp/options-uac.xml");
        Path stats = work.resolve("sipp-" + transportMode + ".csv");
        List<String> command = new ArrayList<>(List.of(SIPP, "-sf", scenario.toString(), "-s", "ping",
                "-m", String.valueOf(CALLS), "-r", "100", "-l", "20", "-t", transportMode,
                "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()),
                "-timeout", "60s", "-timeout_error", "-nostdin", "-trace_stat", "-stf", stats.toString(),
                "127.0.0.1:" + server.sipPort()));
        Path output = work.resolve("sipp-" + transportMode + ".out");
        Process sipp = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        boolean finished = sipp.waitFor(90, TimeUnit.SECONDS);
        if (!finished) {
            sipp.destroyForcibly();
        }
        assertThat(finished).as("SIPp finished in time").isTrue();
        String report = Files.readString(output);
        assertThat(sipp.exitValue()).as("SIPp exit status (0 = every call succeeded)\n" + report).isZero();
        assertThat(report).containsPattern("Successful call\\s+\\|\\s+\\d+\\s+\\|\\s+" + CALLS + "\\b");
    }
}
