package org.switchboard.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.ContextConfig;
import org.switchboard.config.RunnerContract;

/**
 * The web console: hawtio 2 (a Servlet 3.0 war, with its own Jolokia 1.7 agent at {@value #PATH}/jolokia) deployed
 * beside the application, with every request let through only by the application's admin gate (the operator
 * account of the {@code admin} section, its login throttle and hash cap) and Jolokia held to the access policy in
 * {@code deploy/jolokia-access.xml}. hawtio's own login, its proxy to other agents and its online plugins are off.
 */
final class Console {

    static final String PATH = RunnerContract.CONSOLE_PATH;
    /** Where the runner looks for hawtio, beside its own jar (target/runner/console/ and in the runner zip). */
    static final String WAR = "console/hawtio.war";
    static final String POLICY = "deploy/jolokia-access.xml";

    private Console() {
    }

    /** What the console needs before it can be deployed; a missing file is named in one line. */
    record Parts(Path war, Path policy) {
    }

    /**
     * The console's war and policy, or a one-line reason why the console cannot be deployed.
     *
     * @throws EmbeddedContainer.StartFailure when either file is missing
     */
    static Parts locate(Path runnerDir, Path home) throws EmbeddedContainer.StartFailure {
        Path war = runnerDir.resolve(WAR);
        Path policy = home.resolve(POLICY);
        for (Path required : new Path[] {war, policy}) {
            if (!Files.isReadable(required)) {
                throw new EmbeddedContainer.StartFailure("the web console needs " + required
                        + ", which is missing (build with mvn package, or start with --no-console)", null);
            }
        }
        return new Parts(war, policy);
    }

    /**
     * hawtio and its Jolokia agent read their settings from system properties (forced, so JNDI entries in its
     * web.xml do not win): no login of its own (the gate is the login), no proxy to other Jolokia agents, nothing
     * fetched from the internet, and the access policy.
     */
    static Map<String, String> systemProperties(Path policy) {
        return Map.of(
                "hawtio.forceProperties", "true",
                "hawtio.authenticationEnabled", "false",
                "hawtio.disableProxy", "true",
                "hawtio.localAddressProbing", "false",
                "hawtio.offline", "true",
                "jolokia.policyLocation", policy.toUri().toString());
    }

    /** A plain web context for hawtio, with the gate in front of everything it serves. */
    static StandardContext context(Path war) {
        StandardContext context = new StandardContext();
        context.setName(PATH);
        context.setPath(PATH);
        context.setDocBase(war.toAbsolutePath().toString());
        context.setParentClassLoader(Console.class.getClassLoader());
        ContextConfig config = new ContextConfig();
        config.setDefaultWebXml("org/apache/catalina/startup/NO_DEFAULT_XML");
        context.addLifecycleListener(config);
        // hawtio's web.xml declares everything; Tomcat 7's annotation scanner cannot read its Java 9+ jars anyway.
        context.setJarScanner((servletContext, classLoader, callback, jarsToSkip) -> { });
        context.getPipeline().addValve(new ConsoleGateValve());
        // Without Tomcat's default web.xml: its static files need the default servlet, a welcome file and the types.
        Wrapper files = context.createWrapper();
        files.setName("default");
        files.setServletClass(DefaultServlet.class.getName());
        files.setLoadOnStartup(1);
        context.addChild(files);
        context.addServletMapping("/", "default");
        context.addWelcomeFile("index.html");
        MEDIA_TYPES.forEach(context::addMimeMapping);
        return context;
    }

    /** The media types of the files hawtio serves (its scripts are refused by browsers without theirs: nosniff). */
    private static final Map<String, String> MEDIA_TYPES = Map.ofEntries(
            Map.entry("html", "text/html"), Map.entry("js", "application/javascript"), Map.entry("css", "text/css"),
            Map.entry("json", "application/json"), Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"),
            Map.entry("gif", "image/gif"), Map.entry("jpg", "image/jpeg"), Map.entry("ico", "image/x-icon"),
            Map.entry("woff", "font/woff"), Map.entry("woff2", "font/woff2"), Map.entry("ttf", "font/ttf"),
            Map.entry("otf", "font/otf"), Map.entry("eot", "application/vnd.ms-fontobject"));

    static boolean started(StandardContext context) {
        return context.getState() == LifecycleState.STARTED && context.getAvailable();
    }
}
