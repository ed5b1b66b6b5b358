package org.switchboard.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import javax.sip.message.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Kamailio;

/**
 * The dispatch benchmark's ceiling proved first: Kamailio, as the fixture starts it, answers a real OPTIONS and a
 * real MESSAGE with 200 over UDP and TCP, and after close neither it nor any of its processes is left.
 */
class KamailioFixtureIT {

    @BeforeAll
    static void installed() {
        Kamailio.assumeInstalled();
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"udp", "tcp"})
    void answers_options_and_message_with_200_and_leaves_no_process(String transport) throws Exception {
        List<ProcessHandle> processes;
        try (Kamailio kamailio = Kamailio.start();
             SipClient client = "udp".equals(transport) ? SipClient.udp() : SipClient.tcp()) {
            processes = kamailio.processes();
            assertThat(processes).as("the main process and its %d + %d workers and helpers", Kamailio.CHILDREN, Kamailio.TCP_CHILDREN)
                    .hasSizeGreaterThan(Kamailio.CHILDREN + Kamailio.TCP_CHILDREN);
            for (String method : List.of("OPTIONS", "MESSAGE")) {
                Response response = client.send(client.requestTo(method, "sip:bench@example.com", "alice", kamailio.port()),
                        Duration.ofSeconds(10));
                assertThat(response.getStatusCode()).as(method + " over " + transport).isEqualTo(200);
            }
            int port = kamailio.port();
            kamailio.close();
            assertThat(processes).as("no process of Kamailio left").noneMatch(ProcessHandle::isAlive);
            assertThat(FreePorts.isFree(port)).as("its port free again").isTrue();
        }
    }
}
