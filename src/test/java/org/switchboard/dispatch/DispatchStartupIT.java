package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.dispatch.DispatchWire.ANSWER;
import static org.switchboard.dispatch.DispatchWire.FROM_USER;
import static org.switchboard.dispatch.DispatchWire.gruuOf;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.RunningSwitchboard;

/**
 * Dispatch across a restart, and configurations that stop start-up: these stop and start the runner or read
 * its exit status, which an Arquillian deployment does not express, so they keep their own process control.
 */
class DispatchStartupIT {

    private static final Duration STOP = Duration.ofSeconds(20);

    @Test
    void gruus_are_stable_across_a_restart_and_different_for_each_endpoint(@TempDir Path work) throws Exception {
        String config = """
                endpoints:
                  - aor: sip:echo@example.com
                    bean: echo
                  - aor: sip:alice@example.com
                    kind: user
                    bean: echo
                    epid: e1
                  - aor: sip:pool@example.com
                    bean: echo
                    instances: 2
                """;
        List<String> before;
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText(config).start()) {
            before = gruus(server.sipPort());
            assertThat(server.terminate(STOP)).isZero();
        }
        assertThat(new HashSet<>(before)).as("GRUUs: %s", before).hasSize(4);
        try (RunningSwitchboard again = RunningSwitchboard.in(work).configText(config).start()) {
            List<String> after = gruus(again.sipPort());
            assertThat(after.subList(0, 2)).isEqualTo(before.subList(0, 2));
            assertThat(after.subList(2, 4)).containsExactlyInAnyOrderElementsOf(before.subList(2, 4));
        }
    }

    /** The GRUUs of echo, alice;epid=e1 and the two pool instances (in the order first seen). */
    private static List<String> gruus(int sipPort) throws Exception {
        try (SipClient client = SipClient.udp()) {
            List<String> found = new ArrayList<>();
            found.add(gruuOf(client, client.send(client.requestTo(Request.OPTIONS, "sip:echo@example.com", FROM_USER, sipPort), ANSWER), "echo"));
            found.add(gruuOf(client, client.send(client.requestTo(Request.OPTIONS, "sip:alice@example.com;epid=e1", FROM_USER, sipPort), ANSWER), "alice"));
            Set<String> pool = new LinkedHashSet<>();
            for (int i = 0; i < 4; i++) {
                pool.add(gruuOf(client, client.send(client.requestTo(Request.OPTIONS, "sip:pool@example.com", FROM_USER, sipPort), ANSWER), "pool"));
            }
            assertThat(pool).as("pool GRUUs").hasSize(2);
            found.addAll(pool);
            return found;
        }
    }

    // ----------------------------------------------------------------------------------------------

    @Test
    void two_default_routing_endpoints_stop_start_up_naming_the_second(@TempDir Path work) throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                endpoints:
                  - name: first-desk
                    aor: sip:desk1@example.com
                    bean: reject
                    default-routing: true
                  - name: second-desk
                    aor: sip:desk2@example.com
                    bean: reject
                    default-routing: true
                """).launch();
        assertThat(server.awaitExit(Duration.ofSeconds(60))).as("stderr: %s", server.stderr()).isEqualTo(2);
        String error = server.stderr().strip();
        assertThat(error.lines()).hasSize(1);
        assertThat(error).contains(work.resolve("switchboard.yaml").toString()).contains("endpoints[1].default-routing");
        assertThat(server.stdout()).doesNotContain(" ready: ");
    }

    @Test
    void two_application_endpoints_with_the_same_aor_stop_start_up(@TempDir Path work) throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                endpoints:
                  - name: bot-one
                    aor: sip:bot@example.com
                    bean: echo
                  - name: bot-two
                    aor: sip:bot@example.com
                    bean: reject
                """).launch();
        assertThat(server.awaitExit(Duration.ofSeconds(60))).as("stderr: %s", server.stderr()).isEqualTo(2);
        String error = server.stderr().strip();
        assertThat(error.lines()).hasSize(1);
        assertThat(error).contains(work.resolve("switchboard.yaml").toString()).contains("endpoints[1].aor")
                .containsIgnoringCase("duplicate");
        assertThat(server.stdout()).doesNotContain(" ready: ");
    }

    // ----------------------------------------------------------------------------------------------
}
