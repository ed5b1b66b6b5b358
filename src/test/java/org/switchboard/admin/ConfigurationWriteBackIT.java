package org.switchboard.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.Attribute;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.testing.Jmx;
import org.switchboard.testing.RunningSwitchboard;

/**
 * A change made over JMX survives a restart (issue 19): it is kept in {@code switchboard.changes.yaml} next to the
 * configuration file, which stays as the operator wrote it, and applied over it at the next start; a refused value
 * writes nothing.
 */
class ConfigurationWriteBackIT {

    private static final String CONFIG = """
            # the operator's own words, kept
            presence:
              views:
                retry-jitter: 0.1
            """;

    @TempDir
    Path work;

    @Test
    void a_jmx_change_is_kept_next_to_the_file_and_in_force_after_a_restart() throws Exception {
        ObjectName configuration = new ObjectName("org.switchboard:type=Configuration,context=\"/switchboard\"");
        Path file = work.resolve("switchboard.yaml");
        Path overlay = work.resolve("switchboard.changes.yaml");
        try (RunningSwitchboard server = RunningSwitchboard.in(work).configText(CONFIG).start();
             JMXConnector connector = Jmx.connect(server)) {
            MBeanServerConnection mbeans = connector.getMBeanServerConnection();
            assertThatThrownBy(() -> mbeans.setAttribute(configuration, new Attribute("PresenceViewsRetryJitter", 3.0)))
                    .isInstanceOf(InvalidAttributeValueException.class).hasMessageContaining("presence.views.retry-jitter");
            assertThat(overlay).as("nothing written for a refused value").doesNotExist();

            mbeans.setAttribute(configuration, new Attribute("PresenceViewsRetryJitter", 0.35));
            mbeans.setAttribute(configuration, new Attribute("DispatchConversationIdleSeconds", 90));
            assertThat(mbeans.getAttribute(configuration, "PresenceViewsRetryJitter")).isEqualTo(0.35);
            assertThatThrownBy(() -> mbeans.setAttribute(configuration, new Attribute("DispatchConversationIdleSeconds", -5)))
                    .isInstanceOf(InvalidAttributeValueException.class);
        }
        assertThat(Files.readString(file)).as("the configuration file is the operator's").isEqualTo(CONFIG);
        assertThat(Files.readString(overlay)).contains("presence.views.retry-jitter: 0.35\n")
                .contains("dispatch.conversation-idle-seconds: 90\n").doesNotContain("-5");

        try (RunningSwitchboard again = RunningSwitchboard.in(work).configFile(file).start();
             JMXConnector connector = Jmx.connect(again)) {
            MBeanServerConnection mbeans = connector.getMBeanServerConnection();
            assertThat(mbeans.getAttribute(configuration, "PresenceViewsRetryJitter")).isEqualTo(0.35);
            assertThat(mbeans.getAttribute(configuration, "DispatchConversationIdleSeconds")).isEqualTo(90);
            assertThat(again.stdout() + again.stderr()).contains("changed at run time earlier, from " + overlay);
        }
    }
}
