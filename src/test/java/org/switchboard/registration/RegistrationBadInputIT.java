package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.ClassPeers;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.SwitchboardDeployment;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Dnsmasq;
import org.switchboard.testing.SippPeer;
import org.switchboard.testing.Stopping;

/**
 * Bad input through the real container, each with a clear event (in the health JSON) and log line, the
 * endpoint staying with what works: a 301 without any Contact (the next SRV target is tried), a backup
 * that does not answer (the endpoint stays with the primary), and an SRV name without records (the configured
 * registrar is used). Peers: dnsmasq, SIPp as redirecting servers and as the registrars.
 *
 * <p>Two Switchboards deployed through the Arquillian adapter, each with its configuration made at deployment
 * from the peers' ports: one finds its registrars through SRV, the other asks for an SRV name without records
 * and has a registrar of its own in {@code servers} (so the primary's stop in the second test is none of its
 * business). The peers start before Arquillian deploys and stop after it undeployed ({@link ClassPeers}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistrationBadInputIT {

    private static final String ENDPOINT = "alice-desk";
    private static final String BY_SRV = "by-srv";
    private static final String EMPTY_SRV = "empty-srv";

    @TempDir
    static Path work;

    private static Dnsmasq dns;
    private static SippPeer badDirector;
    private static SippPeer director;
    private static SippPeer primary;
    private static SippPeer configuredRegistrar;
    private static String deadBackup;

    @RegisterExtension
    @Order(1)
    static final ClassPeers PEERS = ClassPeers.of(RegistrationBadInputIT::startPeers,
            () -> Stopping.all(badDirector, director, primary, configuredRegistrar, dns));

    @RegisterExtension
    @Order(2)
    static final ArquillianExtension ARQUILLIAN = new ArquillianExtension();

    @ArquillianResource
    @OperateOnDeployment(BY_SRV)
    DeployedSwitchboard server;

    @ArquillianResource
    @OperateOnDeployment(EMPTY_SRV)
    DeployedSwitchboard other;

    @Deployment(name = BY_SRV, testable = false, order = 1)
    public static WebArchive registeringThroughSrv() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard("by-srv.war"), () -> config("""
                srv-domain: example.test
                dns-server: "%s"
                """.formatted(dns.address())));
    }

    @Deployment(name = EMPTY_SRV, testable = false, order = 2)
    public static WebArchive registeringWithAnEmptySrvName() {
        return SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard("empty-srv.war"), () -> config("""
                srv-domain: empty.test
                dns-server: "%s"
                servers: ["%s"]
                """.formatted(dns.address(), configuredRegistrar.uri())));
    }

    private static String config(String registration) {
        return """
                registration:
                  enabled: true
                  expires-seconds: 4
                  failure-detection-seconds: 2
                  fallback-seconds: 2
                  probe-interval-seconds: 1
                %s
                endpoints:
                  - {aor: "sip:alice@example.test", kind: user, epid: desk, bean: echo, register: true}
                """.formatted(registration.indent(2).stripTrailing()) + AdminLogin.configSection();
    }

    static void startPeers() throws Exception {
        int badPort = FreePorts.udpAndTcp();
        int goodPort = FreePorts.udpAndTcp();
        deadBackup = "sip:127.0.0.1:" + FreePorts.udpAndTcp() + ";transport=udp"; // nothing listens there
        dns = Dnsmasq.start(work, List.of(new Dnsmasq.Srv("_sip._udp.example.test", "127.0.0.1", badPort, 10),
                new Dnsmasq.Srv("_sip._udp.example.test", "127.0.0.1", goodPort, 20)), List.of("example.test", "empty.test"));
        primary = SippPeer.start(work, "primary", "registrar-uas.xml", FreePorts.udpAndTcp());
        configuredRegistrar = SippPeer.start(work, "configured", "registrar-uas.xml", FreePorts.udpAndTcp());
        badDirector = SippPeer.start(work, "bad-director", "register-redirect-empty-uas.xml", badPort);
        director = SippPeer.start(work, "director", "register-redirect-uas.xml", goodPort, "-key", "contacts",
                "<" + primary.uri() + ">;q=0.7, <" + deadBackup + ">;q=0.3");
    }

    @Test
    @Order(1)
    void a_301_without_contacts_is_reported_and_the_next_srv_target_is_used() throws Exception {
        RegistrationHealth health = RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20), h -> h.is("REGISTERED", primary.uri()));

        assertThat(badDirector.lines("REGISTER ")).as(badDirector.describe()).isNotEmpty();
        assertThat(health.events()).as("%s", health).filteredOn(e -> e.kind().equals("BAD_REDIRECT")).singleElement()
                .extracting(RegistrationHealth.Event::detail).asString()
                .contains("301 from sip:127.0.0.1:" + badDirector.port() + ";transport=udp names no usable registrar");
        assertThat(server.log()).contains("BAD_REDIRECT (301 from sip:127.0.0.1:" + badDirector.port());
    }

    @Test
    @Order(2)
    void an_unreachable_backup_is_reported_and_the_endpoint_stays_with_the_primary() throws Exception {
        primary.close();
        RegistrationHealth health = RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20), h -> h.hasEvent("BACKUP_UNREACHABLE"));

        assertThat(health.events()).filteredOn(e -> e.kind().equals("BACKUP_UNREACHABLE")).first()
                .extracting(RegistrationHealth.Event::detail).asString()
                .contains("the backup " + deadBackup + " answered 408 (no answer); staying with the primary " + primary.uri());
        assertThat(health.state()).isEqualTo("PRIMARY_FAILING");
        assertThat(health.registrar()).as("never moved to the dead backup").isEqualTo(primary.uri());
        assertThat(health.events()).extracting(RegistrationHealth.Event::to).doesNotContain("REGISTERED_BACKUP");
        assertThat(server.log()).contains("BACKUP_UNREACHABLE (the backup " + deadBackup);

        primary = SippPeer.start(work, "primary-again", "registrar-uas.xml", primary.port());
        RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20), h -> h.is("REGISTERED", primary.uri()));
    }

    @Test
    @Order(3)
    void srv_without_records_is_reported_and_the_configured_registrars_are_used() throws Exception {
        RegistrationHealth health = RegistrationHealth.await(other, ENDPOINT, Duration.ofSeconds(20),
                h -> h.is("REGISTERED", configuredRegistrar.uri()));

        assertThat(health.events()).filteredOn(e -> e.kind().equals("SRV_EMPTY")).singleElement()
                .extracting(RegistrationHealth.Event::detail).asString()
                .isEqualTo("SRV _sip._udp.empty.test has no records; trying the configured registrars");
        assertThat(other.log()).contains("SRV_EMPTY (SRV _sip._udp.empty.test has no records");
    }
}
