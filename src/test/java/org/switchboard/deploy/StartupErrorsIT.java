package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Archives;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.TestCertificates;

/**
 * The README's promise for start-up errors, through the real runner: every one is refused before
 * anything starts, as one line on stderr, with its exit status. The bound on the wait only catches a
 * runner that starts the container instead of refusing (which took 30–120 s); it measures no speed.
 */
class StartupErrorsIT {

    private static final Duration BEFORE_ANYTHING_STARTS = Duration.ofSeconds(15);

    @TempDir
    Path work;

    private static String theOneLine(RunningSwitchboard server) throws Exception {
        String stderr = server.stderr().strip();
        assertThat(stderr.lines()).as("stderr: %s", stderr).hasSize(1);
        assertThat(server.stdout()).doesNotContain("ready");
        return stderr;
    }

    @Test
    void a_plain_listener_on_the_http_port_is_named_in_one_line_with_status_1() throws Exception {
        try (ServerSocket plain = new ServerSocket()) {
            plain.setReuseAddress(false);
            plain.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            RunningSwitchboard server = RunningSwitchboard.in(work).httpPort(plain.getLocalPort()).launch();
            assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(1);
            assertThat(theOneLine(server)).isEqualTo("Switchboard: cannot listen on 127.0.0.1:" + plain.getLocalPort()
                    + "/tcp (HTTP): address already in use");
        }
    }

    @Test
    void sip_over_tcp_and_http_on_one_port_is_refused_in_one_line_with_status_1() throws Exception {
        int port = FreePorts.udpAndTcp();
        RunningSwitchboard server = RunningSwitchboard.in(work).sipPort(port).httpPort(port).launch();
        assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(1);
        assertThat(theOneLine(server)).isEqualTo("Switchboard: cannot listen on 127.0.0.1:" + port + "/tcp (HTTP): address already in use");
    }

    @Test
    void an_unknown_bean_is_refused_in_one_line_with_status_2() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work)
                .configText("endpoints:\n  - {aor: \"sip:echo@example.com\", bean: echo}\n  - {aor: \"sip:bot@example.com\", bean: ech}\n")
                .launch();
        assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(2);
        assertThat(theOneLine(server)).startsWith("Configuration error in " + work.resolve("switchboard.yaml")
                + " at key 'endpoints[1].bean': no endpoint bean named 'ech' (known beans: echo, forwarder, presence-monitor, reject;");
    }

    @Test
    void an_unknown_settings_key_is_refused_in_one_line_with_status_2() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work)
                .configText("endpoints:\n  - {aor: \"sip:busy@example.com\", bean: reject, settings: {staus: 486}}\n").launch();
        assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(2);
        assertThat(theOneLine(server)).isEqualTo("Configuration error in " + work.resolve("switchboard.yaml")
                + " at key 'endpoints[0].settings.staus': unknown key (known keys here: reason, status)");
    }

    @Test
    void the_shipped_beans_settings_bind_in_the_runner_itself() throws Exception {
        // The runner loads only the settings records, not the beans: a forwarder rule and a presence monitor
        // check there too, and a good file gets as far as the next check (here a taken HTTP port).
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            RunningSwitchboard server = RunningSwitchboard.in(work).httpPort(taken.getLocalPort()).configText("""
                    endpoints:
                      - {aor: "sip:watch@example.com", bean: presence-monitor, settings: {targets: ["sip:bob@example.com"], mode: polling}}
                      - aor: sip:router@example.com
                        bean: forwarder
                        settings: {rules: [{header: Subject, pattern: "^s", target: "sip:watch@example.com"}], otherwise: 480}
                    """).launch();
            assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(1);
            assertThat(theOneLine(server)).contains("/tcp (HTTP): address already in use");
        }
    }

    @Test
    void invalid_yaml_is_one_line_with_the_line_and_column_and_status_2() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("server:\n  sip-port: [\n  x: 1\n").launch();
        assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(2);
        assertThat(theOneLine(server)).isEqualTo("Configuration error in " + work.resolve("switchboard.yaml")
                + ": not valid YAML at line 4, column 1: expected ',' or ']', but got <stream end>"
                + " (in the flow sequence that starts at line 2, column 13)");
    }

    private Path warWithABeanOfTheUsersOwn() throws Exception {
        byte[] jar = Archives.jar(work.resolve("greeter.jar"), Archives.beanJarEntries("org/switchboard/testing/beans"));
        return Archives.switchboardWarWith(work.resolve("switchboard-with-greeter.war"), Map.of("greeter.jar", jar));
    }

    /** Beans of the user's own are known only inside the application: it refuses, the runner reports that line with status 2. */
    private static void assertRefusedByTheApplication(RunningSwitchboard server, String line) throws Exception {
        assertThat(server.awaitExit(Duration.ofSeconds(180))).isEqualTo(2);
        List<String> stderr = server.stderr().strip().lines().toList();
        assertThat(stderr.get(stderr.size() - 1)).isEqualTo(line);
        assertThat(server.stdout()).doesNotContain("ready");
    }

    @Test
    void with_beans_of_the_users_own_an_unknown_bean_is_refused_by_the_application_with_status_2() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).arg("--war", warWithABeanOfTheUsersOwn().toString())
                .configText("endpoints:\n  - {aor: \"sip:greeter@example.com\", bean: greter}\n").launch();
        assertRefusedByTheApplication(server, "Configuration error in " + work.resolve("switchboard.yaml")
                + " at key 'endpoints[0].bean': no endpoint bean named 'greter' (available: echo, failing, forwarder, greeter, presence-monitor, reject)");
    }

    @Test
    void with_beans_of_the_users_own_an_unknown_key_in_their_settings_is_refused_by_the_application_with_status_2() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).arg("--war", warWithABeanOfTheUsersOwn().toString())
                .configText("endpoints:\n  - {aor: \"sip:greeter@example.com\", bean: greeter, settings: {greting: hi}}\n").launch();
        assertRefusedByTheApplication(server, "Configuration error in " + work.resolve("switchboard.yaml")
                + " at key 'endpoints[0].settings.greting': unknown key (known keys here: greeting)");
    }

    @Test
    void an_expired_tls_certificate_is_refused_in_one_line_with_status_2() throws Exception {
        TestCertificates certificates = TestCertificates.in(work.resolve("certificates"));
        Path expired = certificates.signed("expired", "ip:127.0.0.1", "-60d", 30);
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                server:
                  sip-transports: [udp, tls]
                  sip-tls-port: %d
                  tls: {keystore: "%s", keystore-password: %s}
                """.formatted(FreePorts.udpAndTcp(), expired, TestCertificates.PASSWORD)).launch();
        assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(2);
        assertThat(theOneLine(server)).startsWith("Configuration error in " + work.resolve("switchboard.yaml")
                + " at key 'server.tls.keystore': the certificate CN=expired in " + expired + " expired on ");
    }

    @Test
    void a_wrong_keystore_password_is_refused_in_one_line_with_status_2() throws Exception {
        TestCertificates certificates = TestCertificates.in(work.resolve("certificates"));
        Path keystore = certificates.server("switchboard");
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                server:
                  sip-transports: [tls]
                  sip-tls-port: %d
                  tls: {keystore: "%s", keystore-password: not-it}
                """.formatted(FreePorts.udpAndTcp(), keystore)).launch();
        assertThat(server.awaitExit(BEFORE_ANYTHING_STARTS)).isEqualTo(2);
        assertThat(theOneLine(server)).isEqualTo("Configuration error in " + work.resolve("switchboard.yaml")
                + " at key 'server.tls.keystore-password': does not open " + keystore + " (wrong password)");
    }
}
