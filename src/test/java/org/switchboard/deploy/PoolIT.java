package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Build;
import org.switchboard.testing.DebianPostgres;
import org.switchboard.testing.Kamailio;
import org.switchboard.testing.Peers;

/**
 * {@code deploy/pool} as an operator runs it (issue 20, first part): Debian's PostgreSQL, two instances and Kamailio's
 * dispatcher on loopback, one ready line. SIPp sends MESSAGEs to an endpoint through the dispatcher: every one is
 * answered 200; one instance is killed with {@code kill -9} and every MESSAGE after it is still answered 200 (the
 * dispatcher fails over and marks the dead instance inactive); SIGTERM stops the pool and every process it started.
 */
class PoolIT {

    private static final Path SIPP = Path.of("/usr/bin/sipp");
    private static final Pattern PID = Pattern.compile("pid (\\d+)");

    @TempDir
    Path work;

    @Test
    void messages_through_the_dispatcher_are_answered_before_and_after_an_instance_is_killed_and_sigterm_stops_everything()
            throws Exception {
        DebianPostgres.assumeInstalled();
        Kamailio.assumeInstalled();
        Peers.require(Files.isExecutable(SIPP), "SIPp is not installed (apt-get install -y sip-tester)");
        // As root the pool's PostgreSQL runs as the postgres user, which must pass through this test's directory.
        work.toFile().setExecutable(true, false);
        Path config = Files.writeString(work.resolve("pool.yaml"), "endpoints:\n  - {aor: \"sip:echo@example.com\", bean: echo}\n");
        int poolPort = FreePorts.udpAndTcp();
        Path out = work.resolve("pool.out");
        Process pool = new ProcessBuilder(Build.basedir().resolve("deploy/pool").toString(), "--instances", "2", "--sip-port",
                String.valueOf(poolPort), "--config", config.toString(), "--dir", work.resolve("pool").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        List<Long> pids = new ArrayList<>();
        try {
            String ready = awaitReady(pool, out);
            assertThat(ready).startsWith("Switchboard pool ready: SIP 127.0.0.1:" + poolPort + " (udp, tcp)").contains("2 instance(s)");
            String text = Files.readString(out);
            for (String line : text.split("\n")) {
                Matcher pid = PID.matcher(line);
                if (line.startsWith("pool: ") && pid.find()) {
                    pids.add(Long.parseLong(pid.group(1)));
                }
            }
            assertThat(pids).as("PostgreSQL, two instances, Kamailio: %s", text).hasSize(4);
            long firstInstance = pids.get(1);

            assertThat(sipp(poolPort, "before")).as("40 MESSAGEs through the dispatcher, every one answered 200").isZero();

            new ProcessBuilder("kill", "-9", String.valueOf(firstInstance)).start().waitFor(5, TimeUnit.SECONDS);
            assertThat(gone(firstInstance)).as("instance 1 killed").isTrue();
            assertThat(sipp(poolPort, "after-kill")).as("every MESSAGE after the kill answered 200 by the other instance").isZero();
            assertThat(Files.readString(work.resolve("pool/kamailio/kamailio.log"))).contains("marked inactive");

            new ProcessBuilder("kill", "-TERM", String.valueOf(pool.pid())).start().waitFor(5, TimeUnit.SECONDS);
            assertThat(pool.waitFor(90, TimeUnit.SECONDS)).as("the pool stops on SIGTERM").isTrue();
            assertThat(pool.exitValue()).isZero();
            assertThat(Files.readString(out)).contains("Switchboard pool stopped");
            for (long pid : pids) {
                assertThat(gone(pid)).as("pid %d stopped", pid).isTrue();
            }
        } finally {
            if (pool.isAlive()) {
                pool.destroy();
                pool.waitFor(60, TimeUnit.SECONDS);
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Whether the process is gone within 10 s (its parent reaps it a moment after it dies). */
    private static boolean gone(long pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static String awaitReady(Process pool, Path out) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readString(out).split("\n")) {
                if (line.startsWith("Switchboard pool ready:")) {
                    return line;
                }
            }
            if (!pool.isAlive()) {
                throw new AssertionError("deploy/pool exited with " + pool.exitValue() + ":\n" + Files.readString(out));
            }
            Thread.sleep(250);
        }
        throw new AssertionError("deploy/pool not ready within 240 s:\n" + Files.readString(out));
    }

    /** SIPp's exit status for 40 MESSAGEs at 20/s to sip:echo@… through the pool (0: every one answered 200). */
    private int sipp(int poolPort, String name) throws Exception {
        Path log = work.resolve("sipp-" + name + ".out");
        Process sipp = new ProcessBuilder(SIPP.toString(), "-sf", Build.basedir().resolve("src/test/resources/sipp/message-uac.xml").toString(),
                "-s", "echo", "-m", "40", "-r", "20", "-t", "u1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()),
                "-recv_timeout", "10000", "-nostdin", "127.0.0.1:" + poolPort)
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!sipp.waitFor(60, TimeUnit.SECONDS)) {
            sipp.destroyForcibly();
            throw new AssertionError("SIPp did not finish:\n" + Files.readString(log));
        }
        return sipp.exitValue();
    }
}
