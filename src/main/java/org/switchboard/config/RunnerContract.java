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

    /**
     * Set by the application: a {@code java.util.function.BiPredicate<HttpServletRequest, HttpServletResponse>} that
     * says whether a request to the web console may go on, and answers it itself when not. The runner's console
     * asks it for every request (the types are the JDK's and the Servlet API's, which both sides share).
     */
    public static final String CONSOLE_GATE_ATTRIBUTE = "org.switchboard.console-gate";

    /** The web console's context path (hawtio, its Jolokia agent under it). */
    public static final String CONSOLE_PATH = "/hawtio";

    private RunnerContract() {
    }
}
