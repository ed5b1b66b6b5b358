package org.switchboard.endpoint.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Named;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.switchboard.endpoint.EndpointBehavior;
import org.junit.jupiter.api.Test;

/** The runner's list of shipped beans is the shipped beans: names from their {@code @Named}, their own settings records. */
class ShippedBeansTest {

    private static final List<Class<? extends EndpointBehavior>> SHIPPED = List.of(
            EchoEndpoint.class, RejectingEndpoint.class, ForwardingEndpoint.class, PresenceMonitorEndpoint.class);

    @Test
    void every_shipped_bean_is_listed_under_its_named_name_with_its_settings_record() {
        Map<String, Class<?>> expected = new HashMap<>();
        for (Class<? extends EndpointBehavior> bean : SHIPPED) {
            Class<?> settings = List.of(bean.getDeclaredClasses()).stream().filter(c -> c.getSimpleName().equals("Settings"))
                    .findFirst().orElseThrow();
            expected.put(bean.getAnnotation(Named.class).value(), settings);
        }
        assertThat(ShippedBeans.settingsTypes()).isEqualTo(expected);
    }

    @Test
    void every_named_bean_in_the_package_is_shipped() throws Exception {
        // The package's folder in the main classes (the test classes have a folder of the same name).
        java.nio.file.Path dir = java.nio.file.Path.of(ShippedBeans.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(ShippedBeans.class.getPackageName().replace('.', '/'));
        try (var files = java.nio.file.Files.list(dir)) {
            List<String> named = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class") && !n.contains("$"))
                    .map(n -> ShippedBeans.class.getPackageName() + "." + n.replace(".class", ""))
                    .map(n -> {
                        try {
                            return Class.forName(n);
                        } catch (ClassNotFoundException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .filter(c -> c.isAnnotationPresent(Named.class)).map(c -> c.getAnnotation(Named.class).value()).toList();
            assertThat(ShippedBeans.settingsTypes().keySet()).containsExactlyInAnyOrderElementsOf(named);
        }
    }
}
