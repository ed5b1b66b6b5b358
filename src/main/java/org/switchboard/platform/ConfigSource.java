package org.switchboard.platform;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.servlet.ServletContext;

/**
 * Where the deployed application finds its configuration file, and the overrides its container
 * passes. The one place that reads such settings from the environment:
 * <ol>
 *   <li>the context parameter {@code switchboard.config} (the embedded runner sets it),</li>
 *   <li>else the system property {@code switchboard.config},</li>
 *   <li>else {@code conf/switchboard.yaml} under the container's {@code catalina.base}.</li>
 * </ol>
 * Context parameters named {@code switchboard.override.<key>} override single keys.
 */
record ConfigSource(Path file, Map<String, String> overrides) {

    static final String CONFIG_PARAM = "switchboard.config";
    static final String OVERRIDE_PREFIX = "switchboard.override.";

    static ConfigSource of(ServletContext context) {
        String location = context.getInitParameter(CONFIG_PARAM);
        if (location == null || location.isBlank()) {
            location = System.getProperty(CONFIG_PARAM);
        }
        if (location == null || location.isBlank()) {
            location = Path.of(System.getProperty("catalina.base", "."), "conf", "switchboard.yaml").toString();
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            if (name.startsWith(OVERRIDE_PREFIX)) {
                overrides.put(name.substring(OVERRIDE_PREFIX.length()), context.getInitParameter(name));
            }
        }
        return new ConfigSource(Path.of(location), Map.copyOf(overrides));
    }
}
