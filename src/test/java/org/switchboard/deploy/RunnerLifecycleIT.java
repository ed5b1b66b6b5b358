package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;

/** Starting and stopping the real runner as an operator does, and every way start-up must fail cleanly. */
class RunnerLifecycleIT {

    private static final Duration STOP = Duration.ofSeconds(20);

    @TempDir
    Path work;

    /** The health detail (instance, start count, SIP addresses): behind the operator's login. */
    private static JsonNode health(RunningSwitchboard server) throws Exception {
        return Health.detail(server);
    }

    private static int optionsStatus(int sipPort) throws Exception {
        try (SipClient client = SipClient.udp()) {
            return client.send(client.request(Request.OPTIONS, "sip:ping@127.0.0.1:" + sipPort, "monitor"),
                    Duration.ofSeconds(10)).getStatusCode();
        }
    }

    @Test
    void prints_one_ready_line_naming_the_sip_and_http_addresses() throws Exception {
        try (RunningSwitchboard server = RunningSwitchboard.in(work).start()) {
            String ready = server.stdout().lines().filter(l -> l.contains(" ready: ")).findFirst().orElseThrow();
            assertThat(ready).contains("SIP 127.0.0.1:" + server.sipPort() + " (udp, tcp)")
                    .contains("HTTP http://127.0.0.1:" + server.httpPort() + "/switchboard/");
            assertThat(server.stdout().lines().filter(l -> l.contains(" ready: "))).hasSize(1);
        }
    }

    @Test
    void sigterm_stops_it_cleanly_with_status_0() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).start();
        int sipPort = server.sipPort();
        assertThat(server.terminate(STOP)).isEqualTo(0);
        assertThat(server.stdout()).contains("Switchboard stopped");
        assertThat(server.stderr()).doesNotContain("Exception");
        // Everything it listened on is free again.
        assertThat(org.switchboard.arquillian.FreePorts.isFree(sipPort)).isTrue();
    }

    @Test
    void a_second_instance_on_the_same_ports_fails_at_once_with_one_line_and_the_first_keeps_serving() throws Exception {
        try (RunningSwitchboard first = RunningSwitchboard.in(work.resolve("first")).start()) {
            RunningSwitchboard second = RunningSwitchboard.in(work.resolve("second"))
                    .sipPort(first.sipPort()).httpPort(first.httpPort()).launch();
            assertThat(second.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(second.stderr().strip().lines()).hasSize(1);
            assertThat(second.stderr()).contains("127.0.0.1:" + first.sipPort() + "/udp (SIP)")
                    .contains("already in use");
            assertThat(second.stdout()).doesNotContain("ready");
            assertThat(optionsStatus(first.sipPort())).isEqualTo(200);
        }
    }

    @Test
    void a_taken_http_port_is_named_as_such() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            RunningSwitchboard server = RunningSwitchboard.in(work).httpPort(taken.getLocalPort()).launch();
            assertThat(server.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(server.stderr().strip()).isEqualTo("Switchboard: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + "/tcp (HTTP): address already in use");
        }
    }

    @Test
    void an_unknown_configuration_key_stops_start_up_with_one_line_naming_file_and_key() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("server:\n  sip-prot: 5070\n").launch();
        assertThat(server.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
        String error = server.stderr().strip();
        assertThat(error.lines()).hasSize(1);
        assertThat(error).contains(work.resolve("switchboard.yaml").toString()).contains("server.sip-prot")
                .contains("unknown key");
    }

    @Test
    void a_wrong_type_stops_start_up_with_one_line() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("server:\n  sip-address: [127, 0, 0, 1]\n").launch();
        assertThat(server.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(server.stderr().strip().lines()).hasSize(1);
        assertThat(server.stderr()).contains("server.sip-address").contains("expected text");
    }

    @Test
    void a_missing_configuration_file_stops_start_up_naming_it() throws Exception {
        Path missing = work.resolve("absent.yaml");
        RunningSwitchboard server = RunningSwitchboard.in(work).configFile(missing).launch();
        assertThat(server.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(server.stderr().strip()).isEqualTo("Configuration error in " + missing + ": the file does not exist");
    }

    @Test
    void an_unknown_command_line_option_is_refused() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).arg("--sip-prot", "1").launch();
        assertThat(server.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
        assertThat(server.stderr()).contains("Unknown option --sip-prot");
    }

    @Test
    void the_database_lives_in_the_data_directory_and_survives_a_restart() throws Exception {
        Path data = work.resolve("state");
        String instanceId;
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText(AdminLogin.configSection()).dataDir(data).start()) {
            JsonNode health = health(server);
            instanceId = health.path("instanceId").asText();
            assertThat(health.path("startCount").asInt()).isEqualTo(1);
            assertThat(server.terminate(STOP)).isZero();
        }
        try (Stream<Path> files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("switchboard.mv.db");
        }
        try (RunningSwitchboard again = RunningSwitchboard.in(work).configText(AdminLogin.configSection()).dataDir(data).start()) {
            JsonNode health = health(again);
            assertThat(health.path("instanceId").asText()).isEqualTo(instanceId);
            assertThat(health.path("startCount").asInt()).isEqualTo(2);
        }
    }

    @Test
    void udp_only_listens_on_udp_alone() throws Exception {
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText(AdminLogin.configSection()).arg("--sip-transports", "udp").start()) {
            assertThat(optionsStatus(server.sipPort())).isEqualTo(200);
            assertThat(health(server).path("sipAddresses").toString()).contains("transport=udp").doesNotContain("transport=tcp");
        }
    }
}
