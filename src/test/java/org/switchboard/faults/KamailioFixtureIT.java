package org.switchboard.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.sip.message.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Kamailio;
import org.switchboard.testing.KamailioTls;
import org.switchboard.testing.TestCertificates;

/**
 * The dispatch benchmark's ceiling proved first: Kamailio, as the fixture starts it, answers a real OPTIONS and a
 * real MESSAGE with 200 over UDP and TCP, and after close neither it nor any of its processes is left. The same for
 * its TLS variant (the TLS tests' peer and the benchmark's TLS relay and ceiling): a client with a certificate of the
 * test CA is answered over TLS, and the wire log says so.
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

    @Test
    void with_tls_answers_a_client_the_ca_vouches_for_and_leaves_no_process(@TempDir Path work) throws Exception {
        Kamailio.assumeTlsInstalled();
        TestCertificates certificates = TestCertificates.in(work);
        TestCertificates.Pem keys = certificates.pem(certificates.server("kamailio"));
        List<ProcessHandle> processes;
        try (Kamailio kamailio = Kamailio.startTls(KamailioTls.presenting(keys, certificates.caCertificate()));
             SipClient client = SipClient.tls(certificates.clientStackProperties(certificates.server("client")))) {
            processes = kamailio.processes();
            Response response = client.send(client.requestTo("OPTIONS", "sip:bench@example.com", "alice", kamailio.tlsPort()),
                    Duration.ofSeconds(10));
            assertThat(response.getStatusCode()).isEqualTo(200);
            assertThat(kamailio.wire()).anySatisfy(line -> assertThat(line).startsWith("in OPTIONS sip:bench@example.com proto=tls")
                    .contains("peer=client verified=1"));
            int port = kamailio.tlsPort();
            kamailio.close();
            assertThat(processes).as("no process of Kamailio left").noneMatch(ProcessHandle::isAlive);
            assertThat(FreePorts.isFree(port)).as("its TLS port free again").isTrue();
        }
    }
}
