package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.registration.LateRegistrar.Arrival;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SippPeer;
import org.switchboard.testing.Stopping;

/**
 * A primary registrar that answers late, through the real container: the primary (a JAIN-SIP registrar)
 * falls silent while the endpoint is registered with it, so the endpoint gives its refresh and retries up
 * and moves to the backup (SIPp, answering at once) while the SIP stack still retransmits those REGISTERs.
 * The primary then answers again, the retransmissions included. The binding each late 200 made at the
 * primary must be removed at once (same Call-ID, next CSeq, Expires 0), and the endpoint must stay
 * registered with the backup throughout. Short intervals: expires 10 s, failure detection 3 s, probes
 * every second, fallback 60 s (no failback within the test).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationLateAnswerIT {

    private static final String ENDPOINT = "alice-desk";
    /** "At once": far below the 10 s the late binding would otherwise live. */
    private static final Duration REMOVED_WITHIN = Duration.ofSeconds(2);
    /** Longer than the SIP stack's longest gap between retransmissions (T2, 4 s), so every written-off REGISTER comes again. */
    private static final Duration WATCHED_AFTER_RETURN = Duration.ofSeconds(9);

    @TempDir
    static Path work;

    private SippPeer director;
    private LateRegistrar primary;
    private SippPeer backup;
    private RunningSwitchboard server;

    @BeforeAll
    void startPeersAndServer() throws Exception {
        primary = LateRegistrar.start();
        backup = SippPeer.start(work, "backup", "registrar-uas.xml", FreePorts.udpAndTcp());
        int directorPort = FreePorts.udpAndTcp();
        director = SippPeer.start(work, "director", "register-redirect-uas.xml", directorPort, "-key", "contacts",
                "<" + primary.uri() + ">;q=0.7, <" + backup.uri() + ">;q=0.3");
        server = RunningSwitchboard.in(work.resolve("sb")).configText("""
                registration:
                  enabled: true
                  servers: ["%s"]
                  expires-seconds: 10
                  failure-detection-seconds: 3
                  fallback-seconds: 60
                  probe-interval-seconds: 1
                endpoints:
                  - {aor: "sip:alice@example.test", kind: user, epid: desk, bean: echo, register: true}
                """.formatted(director.uri()) + AdminLogin.configSection()).start();
    }

    @AfterAll
    void stopEverything() throws Exception {
        Stopping.all(server, director, primary, backup);
    }

    @Test
    void a_registrar_that_accepts_registers_given_up_on_has_those_bindings_removed_at_once_and_the_endpoint_stays_on_the_backup()
            throws Exception {
        RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20), h -> h.is("REGISTERED", primary.uri()));
        primary.fallSilent();
        RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(30), h -> h.is("REGISTERED_BACKUP", backup.uri()));
        Set<String> givenUp = primary.arrivals().stream().filter(a -> a.method().equals("REGISTER") && !a.answered())
                .map(Arrival::callId).collect(Collectors.toSet());

        Instant returned = Instant.now();
        primary.answer();
        List<RegistrationHealth> watched = new ArrayList<>();
        while (Duration.between(returned, Instant.now()).compareTo(WATCHED_AFTER_RETURN) < 0) {
            watched.add(RegistrationHealth.of(server, ENDPOINT));
            Thread.sleep(100);
        }

        List<Arrival> lateAccepted = primary.arrivals().stream()
                .filter(a -> a.method().equals("REGISTER") && a.answered() && a.expires() > 0 && givenUp.contains(a.callId())).toList();
        assertThat(lateAccepted).as("the stack retransmitted REGISTERs given up on, and the primary accepted them late: %s", primary)
                .isNotEmpty();
        for (Arrival accepted : lateAccepted) {
            assertThat(primary.arrivals()).as("the removal of the binding %s: %s", accepted, primary)
                    .anySatisfy(removal -> {
                        assertThat(removal.method()).isEqualTo("REGISTER");
                        assertThat(removal.callId()).isEqualTo(accepted.callId());
                        assertThat(removal.cseq()).isEqualTo(accepted.cseq() + 1);
                        assertThat(removal.expires()).isZero();
                        assertThat(Duration.between(accepted.at(), removal.at())).isLessThan(REMOVED_WITHIN);
                    });
        }
        assertThat(watched).as("the endpoint after the primary returned").allSatisfy(health -> {
            assertThat(health.registrar()).isEqualTo(backup.uri());
            assertThat(health.state()).isIn("REGISTERED_BACKUP", "FALLING_BACK");
        });
        assertThat(RegistrationHealth.of(server, ENDPOINT).hasEvent("STALE_BINDING_REMOVED")).isTrue();
    }
}
