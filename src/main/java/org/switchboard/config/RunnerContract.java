package org.switchboard.config;

/**
 * What the embedded runner and the application tell each other through the servlet context (both see this class:
 * the runner's jar carries the configuration classes).
 */
public final class RunnerContract {

    /**
     * Set to {@code Boolean.TRUE} by the runner when it drains before stopping: the application then answers the
     * keep-alive OPTIONS (a load balancer's probe) 503, while it goes on serving every other request.
     */
    public static final String DRAINING_ATTRIBUTE = "org.switchboard.draining";

    private RunnerContract() {
    }
}
