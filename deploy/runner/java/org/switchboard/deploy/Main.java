package org.switchboard.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.logging.LogManager;
import java.util.stream.Collectors;
import org.apache.log4j.PropertyConfigurator;
import org.switchboard.Version;
import org.switchboard.config.ConfigException;
import org.switchboard.config.ConfigLoader;
import org.switchboard.config.EndpointBeanCheck;
import org.switchboard.config.ServerSettings;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.config.TlsKeystores;
import org.switchboard.config.Transport;
import org.switchboard.endpoint.builtin.ShippedBeans;

/**
 * Runs Switchboard in the real Restcomm SIP Servlets container, embedded in this JVM:
 * validates the configuration, checks every listening address, starts the container, deploys the
 * archive, prints one ready line, and stops cleanly (exit status 0) on SIGINT or SIGTERM.
 * Exit status 2: bad command line or configuration; 1: anything else that stops start-up.
 */
public final class Main {

    static final String CONTEXT_PATH = "/switchboard";
    static final int EXIT_STARTUP_FAILED = 1;
    static final int EXIT_BAD_CONFIGURATION = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        // deploy/run sets the project's location; everything else is relative to it or to the working directory.
        Path home = Path.of(System.getProperty("switchboard.home", ".")).toAbsolutePath().normalize();
        RunnerOptions options;
        try {
            options = RunnerOptions.parse(Arrays.asList(args), home);
        } catch (RunnerOptions.BadOption e) {
            System.err.println("Switchboard: " + e.getMessage());
            return EXIT_BAD_CONFIGURATION;
        }
        if (options.help()) {
            System.out.println(RunnerOptions.USAGE);
            return 0;
        }
        configureLogging(home);

        SwitchboardConfig config;
        try {
            config = new ConfigLoader().load(options.config(), options.overrides());
            if (options.tlsSelfSigned()) {
                options = options.withOverrides(SelfSignedCertificate.overrides(Path.of(config.storage().dataDir()), config.server()));
                config = new ConfigLoader().load(options.config(), options.overrides());
            }
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return EXIT_BAD_CONFIGURATION;
        } catch (IOException e) {
            System.err.println("Switchboard: cannot make the self-signed TLS certificate: " + e.getMessage());
            return EXIT_STARTUP_FAILED;
        }
        for (Path required : List.of(options.war(), options.dar())) {
            if (!Files.isReadable(required)) {
                System.err.println("Switchboard: cannot read " + required);
                return EXIT_STARTUP_FAILED;
            }
        }

        try {
            EndpointBeanCheck.validate(options.config(), config.endpoints(), ShippedBeans.settingsTypes(),
                    ArchiveBeans.mayHoldBeansOfItsOwn(options.war()));
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return EXIT_BAD_CONFIGURATION;
        } catch (IOException e) {
            System.err.println("Switchboard: cannot read " + options.war() + ": " + e.getMessage());
            return EXIT_STARTUP_FAILED;
        }

        Optional<EmbeddedContainer.Tls> tls = Optional.empty();
        if (config.server().listensOnTls()) {
            try {
                tls = Optional.of(new EmbeddedContainer.Tls(config.server().tls(),
                        TlsKeystores.check(options.config(), config.server().tls(), Instant.now())));
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return EXIT_BAD_CONFIGURATION;
            }
        }

        List<ListenAddress> addresses = listenAddresses(config.server());
        Optional<PortCheck.Unavailable> taken = PortCheck.firstUnavailable(addresses);
        if (taken.isPresent()) {
            System.err.println("Switchboard: cannot listen on " + taken.get().address() + ": " + taken.get().reason());
            return EXIT_STARTUP_FAILED;
        }

        CountDownLatch stopRequested = new CountDownLatch(1);
        Signals.onTermination(stopRequested::countDown);
        if (options.exitWithParent().isPresent()) {
            long parent = options.exitWithParent().getAsLong();
            Optional<ProcessHandle> handle = ProcessHandle.of(parent).filter(ProcessHandle::isAlive);
            if (handle.isEmpty()) {
                System.err.println("Switchboard: --exit-with-parent " + parent + ": no such process is running");
                return EXIT_STARTUP_FAILED;
            }
            // A SIGKILLed test JVM runs no shutdown hook: its runner must notice by itself, and stops as on SIGTERM.
            handle.get().onExit().thenRun(() -> {
                System.err.println("Switchboard: process " + parent + " (--exit-with-parent) has ended; stopping");
                stopRequested.countDown();
            });
        }

        EmbeddedContainer container;
        try {
            container = new EmbeddedContainer(Files.createTempDirectory("switchboard-catalina-"), options.dar(), addresses, tls);
        } catch (IOException e) {
            System.err.println("Switchboard: cannot create a working directory: " + e.getMessage());
            return EXIT_STARTUP_FAILED;
        }
        try {
            container.start();
            container.deploy(options.war(), CONTEXT_PATH, contextParameters(options, config));
            if (options.console()) {
                container.deployConsole(Console.locate(runnerDir(), home));
            }
        } catch (EmbeddedContainer.ConfigurationRefused e) {
            System.err.println(e.getMessage());
            container.stop();
            return EXIT_BAD_CONFIGURATION;
        } catch (EmbeddedContainer.StartFailure e) {
            System.err.println("Switchboard: " + e.getMessage());
            container.stop();
            return EXIT_STARTUP_FAILED;
        }

        if (options.console()) {
            System.out.println("Switchboard console: http://" + hostPort(config.server().httpAddress(), config.server().httpPort())
                    + Console.PATH + "/ (the admin section's operator account)");
        }
        System.out.println(readyLine(config.server()));
        System.out.flush();
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (options.drainSeconds() > 0) {
            // A load balancer probing every few seconds takes this instance out before it goes: nothing new is lost.
            container.markDraining();
            System.out.println("Switchboard draining for " + options.drainSeconds() + " s (OPTIONS probes answered 503)");
            System.out.flush();
            try {
                Thread.sleep(options.drainSeconds() * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        System.out.println("Switchboard stopping");
        container.stop();
        System.out.println("Switchboard stopped");
        return 0;
    }

    static List<ListenAddress> listenAddresses(ServerSettings server) {
        List<ListenAddress> addresses = new ArrayList<>();
        for (Transport transport : server.sipTransports()) {
            addresses.add(ListenAddress.sip(server.sipAddress(), server.portOf(transport), transport.id()));
        }
        addresses.add(ListenAddress.http(server.httpAddress(), server.httpPort()));
        return addresses;
    }

    static String readyLine(ServerSettings server) {
        String transports = server.sipTransports().stream().filter(t -> t != Transport.TLS).map(Transport::id)
                .collect(Collectors.joining(", "));
        String sip = transports.isEmpty() ? "" : "SIP " + hostPort(server.sipAddress(), server.sipPort()) + " (" + transports + "), ";
        String tls = server.listensOnTls() ? "SIP " + hostPort(server.sipAddress(), server.sipTlsPort()) + " (tls), " : "";
        return "Switchboard " + Version.current() + " ready: " + sip + tls + "HTTP http://"
                + hostPort(server.httpAddress(), server.httpPort()) + CONTEXT_PATH + "/";
    }

    /** The directory of the runner's jar: target/runner, or the unpacked runner zip. */
    private static Path runnerDir() {
        try {
            return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".").toAbsolutePath();
        }
    }

    private static String hostPort(String address, int port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    /** The deployed application reads the same file, with the same overrides, made absolute. */
    private static Map<String, String> contextParameters(RunnerOptions options, SwitchboardConfig config) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("switchboard.config", options.config().toAbsolutePath().toString());
        options.overrides().forEach((key, value) -> parameters.put("switchboard.override." + key, value));
        parameters.put("switchboard.override.storage.data-dir",
                Path.of(config.storage().dataDir()).toAbsolutePath().toString());
        return parameters;
    }

    /** Container and application logs go to stderr through deploy/logging.properties and deploy/log4j.properties. */
    private static void configureLogging(Path home) {
        Path julConfig = home.resolve("deploy/logging.properties");
        if (Files.isReadable(julConfig)) {
            try (InputStream in = Files.newInputStream(julConfig)) {
                LogManager.getLogManager().readConfiguration(in);
            } catch (IOException e) {
                System.err.println("Switchboard: cannot read " + julConfig + ": " + e.getMessage());
            }
        }
        Path log4jConfig = home.resolve("deploy/log4j.properties");
        if (Files.isReadable(log4jConfig)) {
            PropertyConfigurator.configure(log4jConfig.toString());
        }
    }
}
