package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Issue 19's hardening: secrets are marked in the configuration records, so every one is hidden by construction. */
class SecretsTest {

    @Test
    void the_secrets_of_the_configuration_are_found_by_their_mark() {
        assertThat(Secrets.keys(SwitchboardConfig.class))
                .containsExactlyInAnyOrder("storage.database.password", "admin.password-hash", "bridge.component-secret",
                        "server.tls.keystore-password", "server.tls.truststore-password");
    }

    /** A guard for new keys: a value named like a secret must be marked, or it would show over JMX and in logs. */
    @Test
    void every_value_named_like_a_secret_is_marked() {
        List<String> unmarked = new ArrayList<>();
        walk(SwitchboardConfig.class, "", unmarked);
        assertThat(unmarked).isEmpty();
    }

    private static void walk(Class<?> type, String prefix, List<String> unmarked) {
        for (RecordComponent component : type.getRecordComponents()) {
            String name = component.getName().toLowerCase(Locale.ROOT);
            if (component.getType().isRecord()) {
                walk(component.getType(), prefix + component.getName() + ".", unmarked);
            } else if ((name.contains("secret") || name.contains("password") || name.contains("hash") || name.endsWith("key"))
                    && !component.isAnnotationPresent(Secret.class)) {
                unmarked.add(prefix + component.getName());
            }
        }
    }

    @Test
    void a_configuration_printed_shows_no_secret() {
        SwitchboardConfig defaults = SwitchboardConfig.defaults();
        DatabaseSettings database = new DatabaseSettings("jdbc:postgresql://db/sb", "sb", "db-password-77", 10, 5);
        AdminSettings admin = new AdminSettings("operator", "pbkdf2-sha256$1000$c2FsdA$aGFzaC03Nw", 30);
        BridgeSettings b = BridgeSettings.defaults();
        BridgeSettings bridge = new BridgeSettings(true, b.xmppHost(), b.xmppPort(), b.componentDomain(), "component-secret-77",
                b.xmppDomain(), b.sipDomain(), b.xmppUsersSipDomain(), b.cooldownSeconds(), b.reconnectInitialSeconds(),
                b.reconnectMaxSeconds(), b.incomingExpiresSeconds());

        String text = database + " " + admin + " " + bridge + " " + defaults;

        assertThat(text).doesNotContain("db-password-77", "aGFzaC03Nw", "component-secret-77")
                .contains("username=sb", "username=operator", "componentDomain=" + b.componentDomain(), "password=***");
    }
}
