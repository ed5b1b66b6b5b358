package org.switchboard.deploy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.core.StandardServer;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.mobicents.servlet.sip.catalina.SipHostConfig;
import org.mobicents.servlet.sip.catalina.SipProtocolHandler;
import org.mobicents.servlet.sip.catalina.SipStandardEngine;
import org.mobicents.servlet.sip.catalina.SipStandardManager;
import org.mobicents.servlet.sip.catalina.SipStandardService;
import org.mobicents.servlet.sip.core.SipApplicationDispatcherImpl;
import org.mobicents.servlet.sip.startup.SipContextConfig;
import org.mobicents.servlet.sip.startup.SipStandardContext;
import org.switchboard.config.ConfigException;
import org.switchboard.config.RunnerContract;
import org.switchboard.config.TlsKeystores;
import org.switchboard.config.TlsSettings;
import org.switchboard.deploy.tcp.TcpTransport;

/**
 * The real Restcomm SIP Servlets container on Tomcat 7, assembled in this JVM: a server with one
 * SIP service, its engine and host, one SIP connector per transport, one HTTP connector, and the
 * application deployed as a converged SIP/HTTP context.
 */
final class EmbeddedContainer {

    static final String HOST_NAME = "localhost";

    private final Path catalinaBase;
    private final Path darFile;
    private final List<ListenAddress> addresses;
    private final Optional<Tls> tls;
    private final StandardServer server = new StandardServer();
    private final SipStandardService service = new SipStandardService();
    private final StandardHost host = new StandardHost();
    private final List<ConnectorAt> connectors = new ArrayList<>();

    /** What the TLS listener needs, checked before the container starts. */
    record Tls(TlsSettings settings, TlsKeystores.ServerCertificate certificate) {
    }

    private record ConnectorAt(Connector connector, ListenAddress address) {
    }

    /** Thrown when a part of the container does not come up; the message is the one line to print. */
    static class StartFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StartFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The application refused its configuration (a check only it can make); the message is its one line. */
    static final class ConfigurationRefused extends StartFailure {
        private static final long serialVersionUID = 1L;

        ConfigurationRefused(String message) {
            super(message, null);
        }
    }

    EmbeddedContainer(Path catalinaBase, Path darFile, List<ListenAddress> addresses, Optional<Tls> tls) {
        this.catalinaBase = catalinaBase;
        this.darFile = darFile;
        this.addresses = List.copyOf(addresses);
        this.tls = tls;
    }

    void start() throws StartFailure {
        System.setProperty("catalina.base", catalinaBase.toString());
        System.setProperty("catalina.home", catalinaBase.toString());
        // On Java 9+ the router lookup through ServiceRegistry fails; name the provider directly.
        System.setProperty("javax.servlet.sip.ar.spi.SipApplicationRouterProvider",
                "org.mobicents.servlet.sip.router.DefaultApplicationRouterProvider");

        server.setPort(-1); // no shutdown port: the runner stops on signals
        service.setName("Switchboard");
        // Restcomm's dispatcher and message factory relay requests no application takes; these do not.
        service.setSipApplicationDispatcherClassName(GuardedDispatcher.class.getName());
        service.setMobicentsSipServletMessageFactoryClassName(NoRelayMessageFactory.class.getName());
        service.setDarConfigurationFileLocation(darFile.toUri().toString());
        service.setCongestionControlCheckingInterval(-1);
        service.setGatherStatistics(false);
        service.setSipStackProperties(sipStackProperties(tls));
        server.addService(service);

        SipStandardEngine engine = new SipStandardEngine();
        engine.setName("Switchboard");
        engine.setDefaultHost(HOST_NAME);
        engine.setService(service);
        service.setContainer(engine);

        host.setName(HOST_NAME);
        host.setAppBase(catalinaBase.resolve("webapps").toString());
        host.setAutoDeploy(false);
        host.setDeployOnStartup(false);
        host.setUnpackWARs(true);
        host.addLifecycleListener(new SipHostConfig());
        engine.addChild(host);

        for (ListenAddress address : addresses) {
            Connector connector = address.role().equals("SIP") ? sipConnector(address) : httpConnector(address);
            service.addConnector(connector);
            connectors.add(new ConnectorAt(connector, address));
        }

        try {
            server.init();
            neutraliseStatistics();
            server.start();
        } catch (LifecycleException | RuntimeException e) {
            throw new StartFailure("Cannot start the SIP servlet container: " + rootMessage(e), e);
        }
        for (ConnectorAt at : connectors) {
            if (at.connector().getState() != LifecycleState.STARTED) {
                throw new StartFailure("Cannot listen on " + at.address() + ": the connector did not start", null);
            }
        }
    }

    /**
     * Deploys the archive at {@code contextPath}; {@code parameters} become servlet-context init
     * parameters (where the application finds its configuration).
     */
    private volatile SipStandardContext deployed;

    void deploy(Path war, String contextPath, Map<String, String> parameters) throws StartFailure {
        SipStandardContext context = new SipStandardContext();
        // The name must equal the path, or resource URLs under jndi: (beans.xml among them) fail.
        context.setName(contextPath);
        context.setPath(contextPath);
        context.setDocBase(war.toAbsolutePath().toString());
        context.setParentClassLoader(EmbeddedContainer.class.getClassLoader());
        SipContextConfig config = new SipContextConfig();
        config.setDefaultWebXml("org/apache/catalina/startup/NO_DEFAULT_XML");
        context.addLifecycleListener(config);
        context.setManager(new SipStandardManager());
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false); // the container's own jars hold nothing for the application
        context.setJarScanner(scanner);
        parameters.forEach(context::addParameter);
        // A context that fails to start is stopped before addChild returns, and stopping clears its attributes.
        AtomicReference<Object> refusal = new AtomicReference<>();
        context.addLifecycleListener(event -> {
            if (Lifecycle.BEFORE_STOP_EVENT.equals(event.getType())) {
                refusal.set(context.getServletContext().getAttribute(ConfigException.CONTEXT_ATTRIBUTE));
            }
        });
        try {
            host.addChild(context);
        } catch (RuntimeException e) {
            throw new StartFailure("Cannot deploy " + war + ": " + e.getMessage(), e);
        }
        if (refusal.get() != null) {
            throw new ConfigurationRefused(refusal.get().toString());
        }
        if (context.getState() != LifecycleState.STARTED || !context.getAvailable()) {
            throw new StartFailure("Cannot deploy " + war + ": the application did not start (see the log above)", null);
        }
        deployed = context;
    }

    /**
     * Deploys the web console beside the application (after it: the console's gate is the application's). The
     * console's failure to start stops start-up, as it is on unless the operator said {@code --no-console}.
     */
    void deployConsole(Console.Parts parts) throws StartFailure {
        Console.systemProperties(parts.policy()).forEach(System::setProperty);
        StandardContext context = Console.context(parts.war());
        try {
            host.addChild(context);
        } catch (RuntimeException e) {
            throw new StartFailure("Cannot deploy the web console " + parts.war() + ": " + e.getMessage(), e);
        }
        if (!Console.started(context)) {
            throw new StartFailure("Cannot deploy the web console " + parts.war() + " (see the log above; --no-console leaves it out)", null);
        }
    }

    /** Tells the application it drains: load balancers' OPTIONS probes get 503 from now on (RunnerContract). */
    void markDraining() {
        if (deployed != null) {
            deployed.getServletContext().setAttribute(RunnerContract.DRAINING_ATTRIBUTE, Boolean.TRUE);
        }
    }

    void stop() {
        try {
            if (server.getState().isAvailable()) {
                server.stop();
            }
            server.destroy();
        } catch (LifecycleException e) {
            System.err.println("Switchboard: problem while stopping the container: " + e.getMessage());
        }
        try {
            TempDirs.deleteRecursively(catalinaBase);
        } catch (IOException e) {
            System.err.println("Switchboard: cannot remove " + catalinaBase + ": " + e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root;
    }

    private static Connector sipConnector(ListenAddress address) {
        Connector connector = new Connector(SipProtocolHandler.class.getName());
        SipProtocolHandler handler = (SipProtocolHandler) connector.getProtocolHandler();
        try {
            handler.setPort(address.port());
            handler.setIpAddress(address.address());
            handler.setSignalingTransport(address.transport());
        } catch (Exception e) {
            throw new IllegalArgumentException("Bad SIP connector " + address + ": " + e.getMessage(), e);
        }
        return connector;
    }

    private static Connector httpConnector(ListenAddress address) {
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(address.port());
        connector.setAttribute("address", address.address());
        return connector;
    }

    /**
     * Restcomm 3.2.0-37 starts its statistics reporter whatever {@code gatherStatistics} says, and
     * that reporter posts to an internet host. Replace it with one that does nothing, after the
     * dispatcher is created (init) and before it starts.
     */
    private void neutraliseStatistics() {
        Object dispatcher = service.getSipApplicationDispatcher();
        try {
            Field reporter = SipApplicationDispatcherImpl.class.getDeclaredField("statsReporter");
            reporter.setAccessible(true);
            reporter.set(dispatcher, new NoStatisticsReporter());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot disable Restcomm's statistics sender: " + e, e);
        }
    }

    /** The SIP stack settings Restcomm needs, with logging off and bounded message sizes. */
    private static Properties sipStackProperties(Optional<Tls> tls) {
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", "switchboard");
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        p.setProperty("gov.nist.javax.sip.LOOSE_DIALOG_VALIDATION", "true");
        p.setProperty("gov.nist.javax.sip.PASS_INVITE_NON_2XX_ACK_TO_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.DELIVER_UNSOLICITED_NOTIFY", "true");
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "64");
        p.setProperty("gov.nist.javax.sip.MAX_FORK_TIME_SECONDS", "0");
        p.setProperty("gov.nist.javax.sip.AUTOMATIC_DIALOG_ERROR_HANDLING", "false");
        p.setProperty("gov.nist.javax.sip.AGGRESSIVE_CLEANUP", "true");
        // Four log lines per request halve throughput: keep the stack quiet.
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
        p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
        // UDP losses at the default 128 KB receive buffer; 8 MB absorbs bursts and GC pauses.
        p.setProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", "8388608");
        p.setProperty("gov.nist.javax.sip.SEND_UDP_BUFFER_SIZE", "1048576");
        // Bounded input: oversized messages are refused rather than buffered.
        p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", "65536");
        p.setProperty("gov.nist.javax.sip.TCP_POST_PARSING_THREAD_POOL_SIZE", "4");
        // The stack's TCP loses replies to a client reconnecting from the same port, and closes connections
        // on malformed input it could answer: replaced by the mended transport.
        TcpTransport.configure(p);
        tls.ifPresent(t -> TlsTransport.configure(p, t.settings(), t.certificate()));
        return p;
    }
}
