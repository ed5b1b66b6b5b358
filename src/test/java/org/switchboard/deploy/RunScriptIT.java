package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Build;

/** The README's run command itself, deploy/run, started and stopped by its pid. */
class RunScriptIT {

    @TempDir
    Path work;

    @Test
    void deploy_run_starts_the_server_and_stops_with_status_0_on_sigterm() throws Exception {
        int sip = FreePorts.udpAndTcp();
        int http = FreePorts.udpAndTcp();
        Path out = work.resolve("run.out");
        Process run = new ProcessBuilder(List.of(Build.basedir().resolve("deploy/run").toString(),
                "--sip-port", String.valueOf(sip), "--http-port", String.valueOf(http)))
                .directory(work.toFile()).redirectOutput(out.toFile()).redirectError(work.resolve("run.err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && run.isAlive() && !Files.readString(out).contains(" ready: ")) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(out)).contains("ready: SIP 127.0.0.1:" + sip + " (udp, tcp), HTTP http://127.0.0.1:" + http);
            // The data directory defaults to ./data under the working directory.
            assertThat(work.resolve("data/switchboard.mv.db")).exists();
            run.destroy(); // SIGTERM: the script exec'd java, so this pid is the JVM's
            assertThat(run.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).isZero();
        } finally {
            run.destroyForcibly();
        }
    }
}
