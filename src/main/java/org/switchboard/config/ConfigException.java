package org.switchboard.config;

import java.nio.file.Path;

/**
 * A configuration problem that stops start-up. Its message is the one line an operator sees:
 * the file, the key (when there is one) and what is wrong.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * The servlet-context attribute under which the application leaves the message of the configuration
     * error that stopped it, so that the runner can report it as its one line with exit status 2.
     */
    public static final String CONTEXT_ATTRIBUTE = "org.switchboard.config.error";

    private final transient Path file;
    private final String key;
    private final String problem;

    public ConfigException(Path file, String key, String problem) {
        super(format(file, key, problem));
        this.file = file;
        this.key = key;
        this.problem = problem;
    }

    private static String format(Path file, String key, String problem) {
        String where = key == null || key.isEmpty() ? "" : " at key '" + key + "'";
        return "Configuration error in " + file + where + ": " + problem;
    }

    public Path file() {
        return file;
    }

    /** The dotted key, e.g. {@code server.sip-port}; empty when the problem is the file as a whole. */
    public String key() {
        return key == null ? "" : key;
    }

    public String problem() {
        return problem;
    }
}
