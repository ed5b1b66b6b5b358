package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.Jmx;
import org.switchboard.testing.RunningSwitchboard;

/**
 * The platform's MBean in the running server, reached the way a local JMX console reaches it (the attach
 * API's local management agent, no network port).
 */
class PlatformMBeanIT {

    @TempDir
    Path work;

    @Test
    void the_platform_mbean_reads_out_the_platform_and_forces_a_refresh_of_every_presence_view() throws Exception {
        int nobody = FreePorts.udpAndTcp(); // nobody listens: over TCP each SUBSCRIBE fails at once and waits for a retry
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText("""
                topology:
                  application-pool: pool-a
                  front-end-pool: fe
                  front-end-pools:
                    - {name: fe, next-hop: "sip:127.0.0.1:%d;transport=tcp"}
                endpoints:
                  - aor: sip:monitor@example.com
                    bean: presence-monitor
                    settings: {targets: ["sip:bob@example.com", "sip:carol@example.com"]}
                  - aor: sip:echo@example.com
                    bean: echo
                """.formatted(nobody)).start()) {
            try (JMXConnector connector = Jmx.connect(server)) {
                MBeanServerConnection mbeans = connector.getMBeanServerConnection();
                Set<ObjectName> names = mbeans.queryNames(new ObjectName("org.switchboard:type=Platform,*"), null);
                assertThat(names).hasSize(1);
                ObjectName platform = names.iterator().next();
                assertThat(platform.getKeyProperty("context")).isEqualTo("\"/switchboard\"");
                assertThat(mbeans.getAttribute(platform, "ApplicationPool")).isEqualTo("pool-a");
                assertThat((String) mbeans.getAttribute(platform, "Version")).isNotBlank();
                assertThat((String) mbeans.getAttribute(platform, "PersistenceStatus")).contains("breaker=CLOSED");
                assertThat((String) mbeans.getAttribute(platform, "RecoveryProgress")).contains("started=true");
                String[] endpoints = (String[]) mbeans.invoke(platform, "listEndpoints", null, null);
                assertThat(endpoints).anyMatch(e -> e.startsWith("monitor sip:monitor@example.com sip:monitor@example.com;gr=urn:uuid:"))
                        .anyMatch(e -> e.startsWith("echo sip:echo@example.com"));
                assertThat((String[]) mbeans.invoke(platform, "listSubscriptions", null, null)).isEmpty();

                Object queued = mbeans.invoke(platform, "refreshAllPresenceViews", null, null);
                assertThat(queued).isEqualTo(2);
            }
            String log = "";
            for (int i = 0; i < 50 && !log.contains("WAITING_FOR_RETRY -> SUBSCRIBING (forced refresh)"); i++) {
                Thread.sleep(100);
                log = server.stdout() + server.stderr();
            }
            assertThat(log).contains("Management: forced refresh of all presence views (2 targets, paced)")
                    .contains("sip:bob@example.com: WAITING_FOR_RETRY -> SUBSCRIBING (forced refresh)")
                    .contains("sip:carol@example.com: WAITING_FOR_RETRY -> SUBSCRIBING (forced refresh)");
        }
    }
}
