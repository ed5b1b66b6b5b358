package org.switchboard.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The runner's command line. Options that change a configuration key become overrides of that key
 * (so they are validated exactly like the file); the others say where things are.
 */
record RunnerOptions(Path config, Path war, Path dar, Map<String, String> overrides, int drainSeconds, boolean help,
        boolean tlsSelfSigned, boolean console, OptionalLong exitWithParent) {

    static final String USAGE = String.join("\n",
            "Usage: deploy/run [options]",
            "  --config FILE          configuration file (default: deploy/switchboard.yaml)",
            "  --sip-address ADDR     SIP listening address        (key server.sip-address)",
            "  --sip-port PORT        SIP port, for every transport (key server.sip-port)",
            "  --sip-transports LIST  comma-separated: udp,tcp,tls  (key server.sip-transports)",
            "  --sip-tls-port PORT    SIP over TLS port             (key server.sip-tls-port)",
            "  --http-address ADDR    HTTP listening address       (key server.http-address)",
            "  --http-port PORT       HTTP port                    (key server.http-port)",
            "  --data-dir DIR         data directory (H2 database) (key storage.data-dir)",
            "  --database-url URL     JDBC URL of the database     (key storage.database.url)",
            "  --pool                 joins the pool sharing the database: leases decide which instance registers each",
            "                         endpoint and subscribes each view target (key pool.enabled; deploy/pool uses it)",
            "  --tls-self-signed      adds SIP over TLS with a self-signed certificate for 127.0.0.1 made in the data directory",
            "  --war FILE             the archive to deploy (default: target/switchboard.war)",
            "  --drain-seconds N      on SIGINT/SIGTERM, answer load balancers' OPTIONS probes 503 and keep serving",
            "                         for N seconds before stopping (default 0; deploy/pool uses 6)",
            "  --dar FILE             default application router file (default: deploy/dar.properties)",
            "  --no-console           leaves out the web console (hawtio and its Jolokia agent at /hawtio/)",
            "  --exit-with-parent PID stop (as on SIGTERM) when the process PID ends, e.g. the test JVM that started it",
            "  --help                 print this and exit",
            "Or: deploy/run --hash-password [ITERATIONS]  prints the hash of a password for admin.password-hash");

    private static final Map<String, String> KEYS = Map.of(
            "--sip-address", "server.sip-address",
            "--sip-port", "server.sip-port",
            "--sip-tls-port", "server.sip-tls-port",
            "--sip-transports", "server.sip-transports",
            "--http-address", "server.http-address",
            "--http-port", "server.http-port",
            "--data-dir", "storage.data-dir",
            "--database-url", "storage.database.url");

    /** A command line the runner cannot follow; the message is the line to print. */
    static final class BadOption extends Exception {
        private static final long serialVersionUID = 1L;

        BadOption(String message) {
            super(message);
        }
    }

    static RunnerOptions parse(List<String> args, Path home) throws BadOption {
        Path config = home.resolve("deploy/switchboard.yaml");
        Path war = home.resolve("target/switchboard.war");
        Path dar = home.resolve("deploy/dar.properties");
        Map<String, String> overrides = new LinkedHashMap<>();
        int drainSeconds = 0;
        boolean tlsSelfSigned = false;
        OptionalLong exitWithParent = OptionalLong.empty();
        boolean console = true;
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            String value = null;
            int eq = option.indexOf('=');
            if (option.startsWith("--") && eq > 0) {
                value = option.substring(eq + 1);
                option = option.substring(0, eq);
            }
            if (option.equals("--help") || option.equals("-h")) {
                return new RunnerOptions(config, war, dar, Map.of(), 0, true, false, true, OptionalLong.empty());
            }
            if (option.equals("--tls-self-signed") && value == null) {
                tlsSelfSigned = true;
                continue;
            }
            if (option.equals("--pool") && value == null) {
                overrides.put("pool.enabled", "true");
                continue;
            }
            if (option.equals("--no-console") && value == null) {
                console = false;
                continue;
            }
            if (!KEYS.containsKey(option) && !List.of("--config", "--war", "--dar", "--drain-seconds", "--exit-with-parent").contains(option)) {
                throw new BadOption("Unknown option " + option + " (deploy/run --help lists them)");
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new BadOption("Option " + option + " needs a value");
                }
                value = args.get(++i);
            }
            switch (option) {
                case "--config" -> config = Path.of(value);
                case "--war" -> war = Path.of(value);
                case "--dar" -> dar = Path.of(value);
                case "--drain-seconds" -> drainSeconds = seconds(option, value);
                case "--exit-with-parent" -> exitWithParent = OptionalLong.of(pid(option, value));
                case "--sip-transports" -> overrides.put(KEYS.get(option), "[" + value + "]");
                case "--data-dir" -> overrides.put(KEYS.get(option), Path.of(value).toAbsolutePath().toString());
                default -> overrides.put(KEYS.get(option), value);
            }
        }
        return new RunnerOptions(config, war, dar, Map.copyOf(overrides), drainSeconds, false, tlsSelfSigned, console, exitWithParent);
    }

    /** These options with {@code more} overrides (added after, so they win). */
    RunnerOptions withOverrides(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(more);
        return new RunnerOptions(config, war, dar, Map.copyOf(all), drainSeconds, help, tlsSelfSigned, console, exitWithParent);
    }

    private static long pid(String option, String value) throws BadOption {
        try {
            long pid = Long.parseLong(value);
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new BadOption("Option " + option + " needs a process id (a whole number above 0), not '" + value + "'");
    }

    private static int seconds(String option, String value) throws BadOption {
        try {
            int seconds = Integer.parseInt(value);
            if (seconds >= 0 && seconds <= 3600) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new BadOption("Option " + option + " needs a whole number of seconds from 0 to 3600, not '" + value + "'");
    }
}
