package org.switchboard.arquillian;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.arquillian.container.spi.ConfigurationException;
import org.jboss.arquillian.container.spi.client.container.ContainerConfiguration;

/**
 * The {@code <container>} properties of arquillian.xml for Switchboard. Every value arrives as text and is
 * checked in {@link #validate()}, so that a wrong one fails the run with one message naming the property
 * (Arquillian itself would only log a warning for an unknown name, or fail with a bare NumberFormatException).
 */
public final class SwitchboardConfiguration implements ContainerConfiguration {

    /** The property names, in the order the README lists them. */
    public static final List<String> PROPERTIES = List.of("runnerDir", "war", "sipAddress", "sipPort", "sipTransports",
            "httpPort", "configFile", "configYaml", "dataDir", "databaseUrl", "javaOptions", "startupTimeoutSeconds");

    private static final Set<String> TRANSPORTS = Set.of("udp", "tcp");

    private final Map<String, String> values = new LinkedHashMap<>();

    /** Takes the properties as arquillian.xml gives them (unknown names are kept, and refused by validate()). */
    public void putAll(Map<String, String> properties) {
        properties.forEach((name, value) -> values.put(name, value == null ? "" : value.strip()));
    }

    /** Sets one property, as arquillian.xml would. */
    public SwitchboardConfiguration set(String name, String value) {
        values.put(name, value == null ? "" : value.strip());
        return this;
    }

    @Override
    public void validate() throws ConfigurationException {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(PROPERTIES);
        if (!unknown.isEmpty()) {
            throw invalid(unknown.iterator().next(), "is not a property of the Switchboard container (known: "
                    + String.join(", ", PROPERTIES) + ")");
        }
        requireDirectory("runnerDir", "switchboard-runner.jar");
        requireFile("war");
        if (sipAddress().isBlank()) {
            throw invalid("sipAddress", "must be an address, e.g. 127.0.0.1");
        }
        port("sipPort");
        port("httpPort");
        List<String> transports = sipTransports();
        if (transports.isEmpty()) {
            throw invalid("sipTransports", "must name at least one transport of udp, tcp");
        }
        for (String transport : transports) {
            if (!TRANSPORTS.contains(transport)) {
                throw invalid("sipTransports", "has '" + transport + "'; expected a comma-separated list of udp, tcp");
            }
        }
        if (has("configFile") && has("configYaml")) {
            throw invalid("configYaml", "and configFile are both set; give one of them");
        }
        if (has("configFile") && !Files.isReadable(Path.of(text("configFile")))) {
            throw invalid("configFile", "names '" + text("configFile") + "', which is not a readable file");
        }
        if (has("databaseUrl") && !text("databaseUrl").startsWith("jdbc:")) {
            throw invalid("databaseUrl", "must be a JDBC URL (jdbc:postgresql://... or jdbc:h2:...), found '"
                    + text("databaseUrl") + "'");
        }
        int timeout = integer("startupTimeoutSeconds", 90);
        if (timeout < 1) {
            throw invalid("startupTimeoutSeconds", "must be at least 1, found " + timeout);
        }
    }

    public Path runnerDir() {
        return Path.of(text("runnerDir"));
    }

    public Path war() {
        return Path.of(text("war"));
    }

    public String sipAddress() {
        return values.getOrDefault("sipAddress", "127.0.0.1");
    }

    /** 0: a free port picked at deployment. */
    public int sipPort() {
        return integer("sipPort", 0);
    }

    /** 0: a free port picked at deployment. */
    public int httpPort() {
        return integer("httpPort", 0);
    }

    public List<String> sipTransports() {
        String list = values.getOrDefault("sipTransports", "udp,tcp");
        return List.of(list.split("\\s*,\\s*")).stream().map(String::strip).filter(t -> !t.isEmpty()).toList();
    }

    public Optional<Path> configFile() {
        return has("configFile") ? Optional.of(Path.of(text("configFile"))) : Optional.empty();
    }

    public Optional<String> configYaml() {
        return has("configYaml") ? Optional.of(values.get("configYaml")) : Optional.empty();
    }

    /** Empty: a temporary directory made for each deployment. */
    public Optional<Path> dataDir() {
        return has("dataDir") ? Optional.of(Path.of(text("dataDir"))) : Optional.empty();
    }

    public Optional<String> databaseUrl() {
        return has("databaseUrl") ? Optional.of(text("databaseUrl")) : Optional.empty();
    }

    /** Extra JVM options for the runner, separated by white space. */
    public List<String> javaOptions() {
        return has("javaOptions") ? List.of(text("javaOptions").split("\\s+")) : List.of();
    }

    public int startupTimeoutSeconds() {
        return integer("startupTimeoutSeconds", 90);
    }

    private boolean has(String name) {
        return !values.getOrDefault(name, "").isEmpty();
    }

    private String text(String name) {
        return values.getOrDefault(name, "");
    }

    private int integer(String name, int defaultValue) {
        if (!has(name)) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(text(name));
        } catch (NumberFormatException e) {
            throw invalid(name, "must be a whole number, found '" + text(name) + "'");
        }
    }

    private void port(String name) {
        int port = integer(name, 0);
        if (port < 0 || port > 65535) {
            throw invalid(name, "must be a port from 1 to 65535, or 0 for a free one; found " + port);
        }
    }

    private void requireDirectory(String name, String mustHold) {
        if (!has(name)) {
            throw invalid(name, "is missing: the directory with switchboard-runner.jar and lib/ (the unpacked runner zip)");
        }
        if (!Files.isRegularFile(Path.of(text(name)).resolve(mustHold))) {
            throw invalid(name, "names '" + text(name) + "', which has no " + mustHold
                    + " (expected the unpacked runner: switchboard-runner.jar and lib/)");
        }
    }

    private void requireFile(String name) {
        if (!has(name)) {
            throw invalid(name, "is missing: the path of switchboard.war");
        }
        if (!Files.isRegularFile(Path.of(text(name)))) {
            throw invalid(name, "names '" + text(name) + "', which is not a file (is switchboard.war built or unpacked there?)");
        }
    }

    private static ConfigurationException invalid(String property, String problem) {
        return new ConfigurationException("Switchboard container property " + property + " " + problem);
    }
}
