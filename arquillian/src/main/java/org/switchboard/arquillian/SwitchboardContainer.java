package org.switchboard.arquillian;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.arquillian.container.spi.client.container.ConfigurationMapper;
import org.jboss.arquillian.container.spi.client.container.DeployableContainer;
import org.jboss.arquillian.container.spi.client.container.DeploymentException;
import org.jboss.arquillian.container.spi.client.protocol.ProtocolDescription;
import org.jboss.arquillian.container.spi.client.protocol.metadata.HTTPContext;
import org.jboss.arquillian.container.spi.client.protocol.metadata.ProtocolMetaData;
import org.jboss.arquillian.container.spi.client.protocol.metadata.Servlet;
import org.jboss.shrinkwrap.api.Archive;
import org.jboss.shrinkwrap.api.Node;

/**
 * A managed Switchboard for Arquillian: each deployment is the configured switchboard.war with the test's
 * archive merged over it, run by the Switchboard runner in its own process until it is undeployed.
 * Tests run as clients ({@code @Deployment(testable = false)}) and talk SIP and HTTP to it.
 */
public final class SwitchboardContainer implements DeployableContainer<SwitchboardConfiguration> {

    static final String CONTEXT_PATH = "/switchboard";
    private static final String CONTEXT_NAME = "switchboard";

    private SwitchboardConfiguration configuration;
    private final Map<String, Deployed> deployed = new ConcurrentHashMap<>();

    private record Deployed(RunnerProcess runner, Path workDir) {
    }

    @Override
    public Class<SwitchboardConfiguration> getConfigurationClass() {
        return SwitchboardConfiguration.class;
    }

    /** Hands every property to the configuration as text, so that validate() sees unknown names too. */
    @Override
    public ConfigurationMapper<SwitchboardConfiguration> getConfigurationMapper() {
        return (configuration, definition) -> configuration.putAll(definition.getContainerProperties());
    }

    @Override
    public void setup(SwitchboardConfiguration configuration) {
        this.configuration = configuration;
    }

    @Override
    public ProtocolDescription getDefaultProtocol() {
        return new ProtocolDescription("Local");
    }

    @Override
    public ProtocolMetaData deploy(Archive<?> archive) throws DeploymentException {
        Path workDir;
        try {
            workDir = Files.createTempDirectory("switchboard-arquillian-");
        } catch (IOException e) {
            throw new DeploymentException("cannot create a working directory for Switchboard: " + e.getMessage(), e);
        }
        RunnerProcess runner = null;
        try {
            Path war = MergedArchives.jvmWide().warFor(configuration.war(), archive, SwitchboardDeployment.CONFIGURATION_PATH);
            Path config = configurationFile(archive, workDir);

            int sipPort = configuration.sipPort() == 0 ? FreePorts.udpAndTcp() : configuration.sipPort();
            int httpPort = configuration.httpPort() == 0 ? FreePorts.udpAndTcp() : configuration.httpPort();
            Path dataDir = configuration.dataDir().orElse(workDir.resolve("data"));
            List<String> arguments = new ArrayList<>(List.of("--war", war.toString(),
                    "--sip-address", configuration.sipAddress(), "--sip-port", String.valueOf(sipPort),
                    "--sip-transports", String.join(",", configuration.sipTransports()),
                    "--http-address", configuration.sipAddress(), "--http-port", String.valueOf(httpPort),
                    "--data-dir", dataDir.toString(),
                    // A test talks SIP and HTTP to the application; the web console would only slow every start.
                    "--no-console",
                    // The shutdown hook below does not run when this JVM is killed with SIGKILL: the runner watches it.
                    "--exit-with-parent", String.valueOf(ProcessHandle.current().pid())));
            if (config != null) {
                arguments.addAll(List.of("--config", config.toString()));
            }
            configuration.databaseUrl().ifPresent(url -> arguments.addAll(List.of("--database-url", url)));

            runner = RunnerProcess.start(configuration.runnerDir(), configuration.javaOptions(), arguments, workDir);
            runner.awaitReady(Duration.ofSeconds(configuration.startupTimeoutSeconds()));
            deployed.put(archive.getName(), new Deployed(runner, workDir));

            DeployedSwitchboard switchboard = new DeployedSwitchboard(configuration.sipAddress(), sipPort, httpPort,
                    runner.pid(), runner.stderr());
            // The application's context: @ArquillianResource URL is http://host:port/switchboard/.
            HTTPContext http = new HTTPContext(configuration.sipAddress(), httpPort).add(new Servlet(CONTEXT_NAME, CONTEXT_PATH));
            return new ProtocolMetaData().addContext(http).addContext(switchboard);
        } catch (DeploymentException e) {
            MergedArchives.deleteRecursively(workDir); // the runner was stopped by awaitReady
            throw e;
        } catch (IOException | RuntimeException e) {
            if (runner != null) {
                runner.stop();
            }
            MergedArchives.deleteRecursively(workDir);
            throw new DeploymentException("cannot deploy " + archive.getName() + " to Switchboard: " + e.getMessage(), e);
        }
    }

    @Override
    public void undeploy(Archive<?> archive) throws DeploymentException {
        Deployed deployment = deployed.remove(archive.getName());
        if (deployment != null) {
            deployment.runner().stop();
            MergedArchives.deleteRecursively(deployment.workDir());
        }
    }

    @Override
    public void stop() {
        deployed.keySet().forEach(name -> {
            Deployed deployment = deployed.remove(name);
            if (deployment != null) {
                deployment.runner().stop();
                MergedArchives.deleteRecursively(deployment.workDir());
            }
        });
    }

    /**
     * The Switchboard YAML for this deployment: the one the archive carries (see
     * {@link SwitchboardDeployment#configuration}; read now, so a test may compute it from peers it started after
     * the archive was built), else configYaml, else configFile; null for the runner's own default.
     */
    private Path configurationFile(Archive<?> archive, Path workDir) throws IOException {
        Node carried = archive.get(SwitchboardDeployment.CONFIGURATION_PATH);
        if (carried != null && carried.getAsset() != null) {
            Path file = workDir.resolve("switchboard.yaml");
            try (var in = carried.getAsset().openStream()) {
                Files.copy(in, file);
            }
            return file;
        }
        if (configuration.configYaml().isPresent()) {
            return Files.writeString(workDir.resolve("switchboard.yaml"), configuration.configYaml().get());
        }
        return configuration.configFile().map(Path::toAbsolutePath).orElse(null);
    }
}
