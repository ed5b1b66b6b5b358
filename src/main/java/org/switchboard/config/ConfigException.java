package org.switchboard.config;

import java.nio.file.Path;

/**
 * A configuration problem that stops start-up. Its message is the one line an operator sees:
 * the file, the key (when there is one) and what is wrong.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

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
