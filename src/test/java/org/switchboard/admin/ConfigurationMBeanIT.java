package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.AttributeNotFoundException;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Jmx;
import org.switchboard.testing.RunningSwitchboard;

/** The configuration MBean in the running server: every tunable value an attribute, writable ones effective at once. */
class ConfigurationMBeanIT {

    private static final ObjectName CONFIGURATION = name("org.switchboard:type=Configuration,context=\"/switchboard\"");
    private static final ObjectName PLATFORM = name("org.switchboard:type=Platform,context=\"/switchboard\"");

    private static final String BRIDGE_SECRET = "bridge-secret-4f1d";

    @TempDir
    static Path work;

    private static RunningSwitchboard server;
    private static JMXConnector connector;
    private static MBeanServerConnection mbeans;

    @BeforeAll
    static void start() throws Exception {
        int nobody = FreePorts.udpAndTcp(); // over TCP to a port nobody listens on, each SUBSCRIBE fails at once
        server = RunningSwitchboard.in(work).configText("""
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - {name: fe, next-hop: "sip:127.0.0.1:%d;transport=tcp"}
                presence:
                  views: {retry-delays-seconds: [3600, 3600], reestablish-initial-seconds: 600, reestablish-max-seconds: 600}
                bridge:
                  component-secret: "%s"
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings: {targets: ["sip:bob@example.com"]}
                """.formatted(nobody, BRIDGE_SECRET) + AdminLogin.configSection()).start();
        connector = Jmx.connect(server);
        mbeans = connector.getMBeanServerConnection();
    }

    @AfterAll
    static void stop() throws Exception {
        if (connector != null) {
            connector.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void every_tunable_value_reads_as_an_attribute_and_says_whether_it_is_writable() throws Exception {
        assertThat(mbeans.getAttribute(CONFIGURATION, "ServerSipPort")).isEqualTo(server.sipPort());
        assertThat(mbeans.getAttribute(CONFIGURATION, "ServerHttpAddress")).isEqualTo("127.0.0.1");
        assertThat(mbeans.getAttribute(CONFIGURATION, "TopologyFrontEndPool")).isEqualTo("fe");
        assertThat(mbeans.getAttribute(CONFIGURATION, "PresenceViewsReestablishInitialSeconds")).isEqualTo(600);
        assertThat(mbeans.getAttribute(CONFIGURATION, "PresenceViewsRetryJitter")).isEqualTo(0.2);
        assertThat(mbeans.getAttribute(CONFIGURATION, "PersistenceEnabled")).isEqualTo(true);
        Map<String, Boolean> writable = Arrays.stream(mbeans.getMBeanInfo(CONFIGURATION).getAttributes())
                .collect(Collectors.toMap(MBeanAttributeInfo::getName, MBeanAttributeInfo::isWritable));
        assertThat(writable).containsEntry("PresenceViewsRetryDelaysSeconds", true).containsEntry("PresenceViewsBulkSubscribesPerSecond", true)
                .containsEntry("PersistenceRecoveryBatchSize", true).containsEntry("DispatchConversationIdleSeconds", true)
                .containsEntry("ServerSipPort", false).containsEntry("StorageDatabaseUrl", false).containsEntry("PresenceViewsExpiresSeconds", false)
                .doesNotContainKeys("StorageDatabasePassword", "AdminPasswordHash");
    }

    @Test
    void no_secret_is_an_attribute_nor_in_any_attribute_value() throws Exception {
        MBeanAttributeInfo[] attributes = mbeans.getMBeanInfo(CONFIGURATION).getAttributes();
        assertThat(Arrays.stream(attributes).map(MBeanAttributeInfo::getName))
                .as("every value marked secret").doesNotContain("BridgeComponentSecret", "StorageDatabasePassword", "AdminPasswordHash")
                .contains("BridgeComponentDomain", "StorageDatabaseUsername", "AdminUsername");
        String passwordHash = AdminLogin.configSection().replaceAll("(?s).*password-hash: \"([^\"]+)\".*", "$1").trim();
        for (MBeanAttributeInfo attribute : attributes) {
            String value = String.valueOf(mbeans.getAttribute(CONFIGURATION, attribute.getName()));
            assertThat(value).as(attribute.getName()).doesNotContain(BRIDGE_SECRET).doesNotContain(passwordHash);
        }
    }

    @Test
    void a_read_only_value_refuses_a_change_and_keeps_its_value() throws Exception {
        assertThatThrownBy(() -> mbeans.setAttribute(CONFIGURATION, new Attribute("ServerSipPort", 5999)))
                .isInstanceOf(AttributeNotFoundException.class).hasMessageContaining("read-only");
        assertThat(mbeans.getAttribute(CONFIGURATION, "ServerSipPort")).isEqualTo(server.sipPort());
    }

    @Test
    void a_value_out_of_range_is_refused_naming_its_key() throws Exception {
        assertThatThrownBy(() -> mbeans.setAttribute(CONFIGURATION, new Attribute("PresenceViewsRetryJitter", 2.0)))
                .isInstanceOf(InvalidAttributeValueException.class).hasMessageContaining("presence.views.retry-jitter");
        assertThat(mbeans.getAttribute(CONFIGURATION, "PresenceViewsRetryJitter")).isEqualTo(0.2);
    }

    @Test
    void fewer_retry_delays_set_over_jmx_make_a_failing_view_give_up_at_its_next_failure() throws Exception {
        awaitStates("WAITING_FOR_RETRY=1"); // the first SUBSCRIBE failed: attempt 1 of 2, an hour away
        mbeans.setAttribute(CONFIGURATION, new Attribute("PresenceViewsRetryDelaysSeconds", "3600"));
        assertThat(mbeans.getAttribute(CONFIGURATION, "PresenceViewsRetryDelaysSeconds")).isEqualTo("[3600]");
        mbeans.invoke(PLATFORM, "refreshAllPresenceViews", null, null);
        // With two delays, this second failure would wait again; with one, the view gives up.
        awaitStates("TERMINATED=1");
        assertThat(server.stdout() + server.stderr()).contains("Configuration changed at run time: presence.views.retry-delays-seconds = [3600]")
                .contains("gave up after 1 retries");
    }

    @Test
    void recover_now_is_an_operation() throws Exception {
        assertThat((String) mbeans.invoke(PLATFORM, "recoverNow", null, null)).contains("started=true");
    }

    @Test
    void the_metrics_are_mbeans_too() throws Exception {
        assertThat(mbeans.queryNames(new ObjectName("org.switchboard.metrics:*"), null))
                .anyMatch(n -> n.toString().contains("switchboardDispatchRequests"))
                .anyMatch(n -> n.toString().contains("switchboardPresenceViewTargets"));
    }

    private static void awaitStates(String expected) throws Exception {
        String states = "";
        for (int i = 0; i < 100 && !states.equals(expected); i++) {
            Thread.sleep(100);
            states = (String) mbeans.getAttribute(PLATFORM, "PresenceViewStates");
        }
        assertThat(states).isEqualTo(expected);
    }
}
