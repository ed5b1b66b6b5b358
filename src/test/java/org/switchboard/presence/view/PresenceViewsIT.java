package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.SwitchboardDeployment;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Build;
import org.switchboard.testing.Health;

/**
 * Presence views through the real container against SIPp as the remote presence server, driven by the
 * shipped presence-monitor bean from configuration alone. States are read from the health JSON
 * ({@code presenceViews}: targets by state), presence from its {@code presence} counts.
 *
 * <p>Deployed through the Arquillian adapter by hand ({@code managed = false}): a view subscribes as soon as
 * Switchboard starts, so each test's SIPp must be listening first. Two deployments: over UDP (the first NOTIFY
 * and the 481, which needs no peer and leaves the counts alone), and over TCP (the peer that goes away); each is
 * deployed before the first test that names it, with its configuration made then from the peer's port.
 */
@ExtendWith(ArquillianExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceViewsIT {

    private static final String SIPP = "/usr/bin/sipp";
    private static final String UDP = "presence-views-udp";
    private static final String TCP = "presence-views-tcp";

    /** The peers' ports, chosen before the deployments' configurations are made from them. */
    private static final int UDP_PEER_PORT = FreePorts.udpAndTcp();
    private static final int TCP_PEER_PORT = FreePorts.udpAndTcp();

    /** Class-wide: a peer started before one test may be read by another. */
    @TempDir
    static Path work;

    @ArquillianResource
    Deployer deployer;

    private Process udpPeer;
    private Process tcpFirstPeer;

    @Deployment(name = UDP, managed = false, testable = false)
    public static WebArchive overUdp() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard("presence-views-udp.war"),
                () -> config(UDP_PEER_PORT, "udp", "", "expires-seconds: 60"));
    }

    @Deployment(name = TCP, managed = false, testable = false)
    public static WebArchive overTcp() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard("presence-views-tcp.war"),
                () -> config(TCP_PEER_PORT, "tcp", "periodic-refresh-seconds: 3", """
                        retry-delays-seconds: [1, 1]
                        retry-jitter: 0
                        reestablish-initial-seconds: 1
                        reestablish-max-seconds: 2"""));
    }

    /** Starts the peer of the deployment this test's {@code DeployedSwitchboard} names, then deploys it (once). */
    @BeforeEach
    void peerThenSwitchboard(TestInfo test) throws Exception {
        for (Parameter parameter : test.getTestMethod().orElseThrow().getParameters()) {
            OperateOnDeployment target = parameter.getAnnotation(OperateOnDeployment.class);
            if (target == null) {
                continue;
            }
            if (target.value().equals(UDP) && udpPeer == null) {
                udpPeer = sipp("presence-uas.xml", UDP_PEER_PORT, "u1", "server");
                deployer.deploy(UDP);
            } else if (target.value().equals(TCP) && tcpFirstPeer == null) {
                tcpFirstPeer = sipp("presence-accept-uas.xml", TCP_PEER_PORT, "t1", "first");
                deployer.deploy(TCP);
            }
        }
    }

    @AfterAll
    void stopPeers() {
        for (Process peer : new Process[] {udpPeer, tcpFirstPeer}) {
            if (peer != null) {
                peer.destroyForcibly();
            }
        }
    }

    private static String config(int peerPort, String transport, String extraMonitorSettings, String viewSettings) {
        return """
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "sip:127.0.0.1:%d;transport=%s"
                presence:
                  views:
                %s
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings:
                      targets: ["sip:bob@example.com"]
                %s
                """.formatted(peerPort, transport, viewSettings.indent(4).stripTrailing(), extraMonitorSettings.indent(6).stripTrailing())
                + AdminLogin.configSection();
    }

    @Test
    void first_notify_is_delivered_the_refresh_keeps_the_call_id_and_a_rejection_is_final(
            @ArquillianResource @OperateOnDeployment(UDP) DeployedSwitchboard server) throws Exception {
        Process sipp = udpPeer;
        assertThat(sipp.waitFor(60, TimeUnit.SECONDS)).as("SIPp finished its one subscription").isTrue();
        assertThat(sipp.exitValue()).as("SIPp exit status (0: NOTIFYs answered 200, the refresh came in the same dialog)\n%s",
                Files.readString(work.resolve("server.out"))).isZero();
        // The listener hears presence on the delivery threads: awaited, like the state.
        JsonNode health = awaitHealth(server, h -> h.path("presenceViews").path("TERMINATED").asLong() == 1
                && h.path("presence").path("accepted").asLong() >= 1);
        assertThat(health.path("presence").path("accepted").asLong()).as("the first NOTIFY's presence reached the store").isEqualTo(1);
        assertThat(server.log()).contains("SUBSCRIBED -> TERMINATING (NOTIFY terminated;reason=rejected)");
    }

    @Test
    void a_notify_for_no_live_subscription_gets_481(@ArquillianResource @OperateOnDeployment(UDP) DeployedSwitchboard server)
            throws Exception {
        try (SipClient client = SipClient.udp()) {
            Request notify = client.withToTag(client.requestTo(Request.NOTIFY, "sip:monitor@example.com", "bob", server.sipPort()), "no-such-dialog");
            client.withHeader(notify, "Event", "presence");
            client.withHeader(notify, "Subscription-State", "active;expires=60");
            Response response = client.send(notify, Duration.ofSeconds(10));
            assertThat(response.getStatusCode()).isEqualTo(481);
        }
    }

    @Test
    void a_peer_that_goes_away_is_found_by_a_forced_refresh_and_the_view_comes_back_when_it_returns(
            @ArquillianResource @OperateOnDeployment(TCP) DeployedSwitchboard server) throws Exception {
        Process first = tcpFirstPeer;
        try {
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("the peer accepted and notified").isTrue();
            assertThat(first.exitValue()).isZero();
            // Read from the view's transitions, not sampled from the health JSON: the periodic refresh finds the
            // peer gone about 2 s after it subscribed, which a busy test JVM can miss between two samples.
            awaitLog(server, "Presence view sip:bob@example.com: SUBSCRIBING -> SUBSCRIBED");

            // The peer is gone (SIPp ended). Nothing on the wire says so; the periodic forced refresh finds out.
            // After the configured retries (1 s, 1 s) it terminates; the re-establishment policy goes on trying.
            awaitHealth(server, h -> h.path("presenceViews").path("TERMINATED").asLong() == 1);

            Process second = sipp("presence-accept-uas.xml", TCP_PEER_PORT, "t1", "second");
            try {
                assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the view subscribed again by itself").isTrue();
                assertThat(second.exitValue()).isZero();
                awaitHealth(server, h -> h.path("presenceViews").path("SUBSCRIBED").asLong() == 1);
            } finally {
                second.destroyForcibly();
            }
            String log = server.log();
            log.lines().filter(line -> line.contains("Presence view ")).forEach(System.out::println);
            assertThat(log).contains("SUBSCRIBED -> WAITING_FOR_RETRY (refresh failed").contains("gave up after 2 retries")
                    // back by itself: the re-establishment timer or the periodic forced refresh, whichever fires first
                    .containsPattern("TERMINATED -> SUBSCRIBING \\((re-establishing after|forced refresh)");
        } finally {
            first.destroyForcibly();
            deployer.undeploy(TCP); // its peer is gone for good
        }
    }

    /**
     * SIPp playing {@code scenario} once. Its overall timeout is generous: it starts before Switchboard, whose start
     * has taken over a minute on a busy 2-core machine.
     */
    private static Process sipp(String scenario, int port, String transport, String name) throws Exception {
        List<String> command = List.of(SIPP, "-sf", Build.basedir().resolve("src/test/resources/sipp/" + scenario).toString(),
                "-i", "127.0.0.1", "-p", String.valueOf(port), "-t", transport, "-m", "1", "-timeout", "300s", "-timeout_error",
                "-nostdin", "-trace_err");
        return new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".out").toFile()).start();
    }

    private static void awaitLog(DeployedSwitchboard server, String line) throws Exception {
        for (int i = 0; i < 600; i++) { // at most a minute
            if (server.log().contains(line)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the server never logged '" + line + "':\n" + server.log());
    }

    private static JsonNode awaitHealth(DeployedSwitchboard server, Predicate<JsonNode> condition) throws Exception {
        JsonNode last = null;
        for (int i = 0; i < 600; i++) { // at most a minute: a dead peer over UDP shows only when the transaction times out
            last = Health.detail(server.httpBaseUrl());
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the health JSON never met the condition; last: " + last + "\nlog:\n" + server.log());
    }
}
