package org.switchboard.arquillian;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * Builds what a test deploys: the user's endpoint beans in a jar with META-INF/beans.xml under WEB-INF/lib,
 * and optionally the Switchboard YAML for this deployment. The container merges it over switchboard.war
 * (container property {@code war}), as a developer adds a jar to the archive.
 */
public final class SwitchboardDeployment {

    /** Where the deployment's own configuration travels; the container takes it out before deploying. */
    static final String CONFIGURATION_PATH = "/META-INF/switchboard-arquillian/switchboard.yaml";

    private static final String BEANS_XML = "<beans bean-discovery-mode=\"annotated\" version=\"4.0\"/>";

    private SwitchboardDeployment() {
    }

    /** Switchboard as built, with nothing added. */
    public static WebArchive switchboard() {
        return switchboard("switchboard.war");
    }

    /**
     * The same under another archive name: Arquillian wants a name of its own for each deployment of a test
     * class to one container (e.g. a second, differently configured Switchboard beside the first).
     */
    public static WebArchive switchboard(String archiveName) {
        return ShrinkWrap.create(WebArchive.class, archiveName);
    }

    /** Switchboard plus a jar ({@code jarName}) of these bean classes with META-INF/beans.xml. */
    public static WebArchive withBeans(String jarName, Class<?>... beans) {
        return switchboard().addAsLibrary(beanJar(jarName).addClasses(beans));
    }

    /** Switchboard plus a jar ({@code jarName}) of every class of these packages with META-INF/beans.xml. */
    public static WebArchive withBeanPackages(String jarName, Package... packages) {
        return switchboard().addAsLibrary(beanJar(jarName).addPackages(false, packages));
    }

    /** The Switchboard YAML this deployment runs with, instead of the container's configYaml / configFile. */
    public static WebArchive configuration(WebArchive deployment, String yaml) {
        return deployment.add(new StringAsset(yaml), CONFIGURATION_PATH);
    }

    /**
     * The Switchboard YAML this deployment runs with, made when it is deployed rather than when the archive is
     * built: for a {@code @Deployment(managed = false)} whose configuration names peers (ports, URLs) the test
     * starts first, then deploys with {@code Deployer.deploy(name)}.
     */
    public static WebArchive configuration(WebArchive deployment, Supplier<String> yaml) {
        return deployment.add(() -> new ByteArrayInputStream(yaml.get().getBytes(StandardCharsets.UTF_8)), CONFIGURATION_PATH);
    }

    private static JavaArchive beanJar(String jarName) {
        return ShrinkWrap.create(JavaArchive.class, jarName)
                .addAsManifestResource(new StringAsset(BEANS_XML), "beans.xml");
    }
}
