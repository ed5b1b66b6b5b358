package org.switchboard.arquillian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.spi.client.container.DeploymentException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.Build;

/**
 * The adapter on bad input, driven as Arquillian drives it (setup, deploy): a container that is not
 * ready in time and a port in use each fail with one message naming the cause, and leave no runner
 * process behind (its pid, named in the message, is gone).
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
