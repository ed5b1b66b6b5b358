package org.switchboard.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Checks each endpoint's {@code bean} and {@code settings} against the beans known before anything
 * starts: the runner knows the shipped beans and the types of their settings, so a misspelt name or
 * setting is refused with the rest of the file instead of after the container has started.
 */
public final class EndpointBeanCheck {

    private EndpointBeanCheck() {
    }

    /**
     * @param known       bean name → the type its {@code settings} bind to (a record with no components: no settings)
     * @param othersMayExist the archive may hold beans of the user's own, whose names cannot be known before the
     *                    application starts: a name not in {@code known} is then left to the application's own check
     */
    public static void validate(Path file, List<EndpointSettings> endpoints, Map<String, Class<?>> known, boolean othersMayExist) {
        ConfigLoader binder = new ConfigLoader();
        for (int i = 0; i < endpoints.size(); i++) {
            EndpointSettings endpoint = endpoints.get(i);
            String at = "endpoints[" + i + "]";
            Class<?> settingsType = known.get(endpoint.bean());
            if (settingsType != null) {
                binder.bindSection(file, at + ".settings", endpoint.settings(), settingsType);
            } else if (!othersMayExist) {
                throw new ConfigException(file, at + ".bean", "no endpoint bean named '" + endpoint.bean() + "' (known beans: "
                        + String.join(", ", new TreeSet<>(known.keySet())) + "; a bean of your own needs its jar, with a"
                        + " META-INF/beans.xml, in the archive's WEB-INF/lib)");
            }
        }
    }
}
