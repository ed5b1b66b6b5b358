package org.switchboard.testing;

import java.nio.file.Path;

/** Where the build put what the integration tests run: set by the failsafe configuration in pom.xml. */
public final class Build {

    private Build() {
    }

    public static Path basedir() {
        return Path.of(required("switchboard.basedir"));
    }

    public static Path war() {
        return Path.of(required("switchboard.war"));
    }

    public static Path runnerDir() {
        return Path.of(required("switchboard.runner.dir"));
    }

    public static Path testClasses() {
        return basedir().resolve("target/test-classes");
    }

    public static String[] containerOpens() {
        return required("switchboard.container.opens").trim().split("\\s+");
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("System property " + name + " is not set: run the integration tests through Maven (mvn verify)");
        }
        return value;
    }
}
