package org.switchboard.arquillian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.spi.client.container.DeploymentException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.Build;

/**
 * The adapter on bad input, driven as Arquillian drives it (setup, deploy): a container that is not
 * ready in time and a port in use each fail with one message naming the cause, and leave no runner
 * process behind (its pid, named in the message, is gone); a test JVM ended by SIGTERM while Switchboard
 * is deployed takes the runner with it (the adapter's shutdown hook), and so does one killed with SIGKILL (the
 * runner's --exit-with-parent).
 */
class SwitchboardContainerIT {

    private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

    private final SwitchboardContainer container = new SwitchboardContainer();

    @AfterEach
    void stop() {
        container.stop();
    }

    private SwitchboardConfiguration configuration() {
        return new SwitchboardConfiguration().set("runnerDir", Build.runnerDir().toString())
                .set("war", Build.war().toString()).set("javaOptions", "-Xmx256m");
    }

    @Test
    void a_container_not_ready_within_the_timeout_fails_naming_the_property_and_is_stopped() {
        SwitchboardConfiguration configuration = configuration().set("startupTimeoutSeconds", "1");
        configuration.validate();
        container.setup(configuration);

        assertThatThrownBy(() -> container.deploy(SwitchboardDeployment.switchboard()))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("was not ready within 1 s (container property startupTimeoutSeconds); it was stopped")
                .satisfies(e -> assertThat(runnerGone(e.getMessage())).as("the runner's pid is gone").isTrue());
    }

    @Test
    void a_sip_port_in_use_fails_naming_the_address_and_leaves_no_process() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(null)) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            SwitchboardConfiguration configuration = configuration().set("sipPort", String.valueOf(port))
                    .set("sipTransports", "udp");
            configuration.validate();
            container.setup(configuration);

            assertThatThrownBy(() -> container.deploy(SwitchboardDeployment.switchboard()))
                    .isInstanceOf(DeploymentException.class)
                    .hasMessageContaining("exited with status 1 before it was ready")
                    .hasMessageContaining("Switchboard: cannot listen on 127.0.0.1:" + port)
                    .satisfies(e -> assertThat(runnerGone(e.getMessage())).as("the runner's pid is gone").isTrue());
        }
        assertThat(runnerChildren()).as("runner processes left by this JVM").isEmpty();
    }

    @Test
    void a_test_jvm_terminated_while_deployed_stops_the_runner_by_its_shutdown_hook() throws Exception {
        Process testJvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DeployAndWait.class.getName(),
                Build.runnerDir().toString(), Build.war().toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(testJvm.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            long runnerPid = -1;
            while ((line = out.readLine()) != null) {   // ends when the JVM exits: a failed deployment cannot hang here
                if (line.startsWith("deployed pid=")) {
                    runnerPid = Long.parseLong(line.substring("deployed pid=".length()));
                    break;
                }
            }
            assertThat(runnerPid).as("the stand-in test JVM deployed Switchboard").isPositive();
            ProcessHandle runner = ProcessHandle.of(runnerPid).orElseThrow();
            assertThat(runner.isAlive()).isTrue();

            testJvm.destroy(); // SIGTERM, as a build tool or Ctrl-C would end the test JVM
            assertThat(testJvm.waitFor(60, TimeUnit.SECONDS)).as("the test JVM ended").isTrue();
            assertThat(runner.isAlive()).as("runner pid %s after its test JVM ended", runnerPid).isFalse();
        } finally {
            testJvm.destroyForcibly();
        }
    }

    @Test
    void a_test_jvm_killed_while_deployed_takes_the_runner_with_it_by_exit_with_parent() throws Exception {
        Process testJvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DeployAndWait.class.getName(),
                Build.runnerDir().toString(), Build.war().toString())
                .redirectErrorStream(true).start();
        ProcessHandle runner = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(testJvm.getInputStream(), StandardCharsets.UTF_8))) {
            long runnerPid = deployedRunnerPid(out);
            assertThat(runnerPid).as("the stand-in test JVM deployed Switchboard").isPositive();
            runner = ProcessHandle.of(runnerPid).orElseThrow();
            assertThat(runner.info().commandLine().orElse("")).contains("--exit-with-parent " + testJvm.pid());

            long killedAt = System.nanoTime();
            testJvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(testJvm.waitFor(30, TimeUnit.SECONDS)).as("the test JVM was killed").isTrue();
            assertThat(runner.onExit().completeOnTimeout(null, 60, TimeUnit.SECONDS).join())
                    .as("runner pid %s ended within 60 s of its test JVM's SIGKILL", runnerPid).isNotNull();
            assertThat(runner.isAlive()).isFalse();
            System.out.printf("runner %d ended %.1f s after its test JVM was killed%n", runnerPid, (System.nanoTime() - killedAt) / 1e9);
        } finally {
            testJvm.destroyForcibly();
            if (runner != null) {
                runner.destroyForcibly();
            }
        }
    }

    /** The runner's pid as the stand-in JVM prints it; -1 if it ends first (so a failed deployment cannot hang here). */
    private static long deployedRunnerPid(BufferedReader out) throws java.io.IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("deployed pid=")) {
                return Long.parseLong(line.substring("deployed pid=".length()));
            }
        }
        return -1;
    }

    private static boolean runnerGone(String message) {
        Matcher pid = PID.matcher(message);
        assertThat(pid.find()).as("a pid in: %s", message).isTrue();
        Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(pid.group(1)));
        return process.isEmpty() || !process.get().isAlive();
    }

    private static List<ProcessHandle> runnerChildren() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("org.switchboard.deploy.Main")).toList();
    }
}
