package org.switchboard.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import javax.servlet.ServletContext;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.config.RunnerContract;

/**
 * The web console's door, published to the runner through the servlet context ({@link RunnerContract#CONSOLE_GATE_ATTRIBUTE}):
 * the runner asks it about every request to hawtio and its Jolokia agent, so the console has the same operator
 * account, login throttle and password-hash cap as the status page and the API, kept in one place.
 * A browser opening the console without a login is sent to the login form, which brings it back.
 */
public final class ConsoleGate implements BiPredicate<HttpServletRequest, HttpServletResponse> {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleGate.class);

    private final ServletContext application;

    private ConsoleGate(ServletContext application) {
        this.application = application;
    }

    /** Publishes the gate for the runner's console (there is none with {@code --no-console}; then nobody asks). */
    public static void publish(ServletContext application) {
        application.setAttribute(RunnerContract.CONSOLE_GATE_ATTRIBUTE, new ConsoleGate(application));
    }

    @Override
    public boolean test(HttpServletRequest request, HttpServletResponse response) {
        Optional<AdminAccess.Refusal> refusal = AdminAccess.of(application).checkConsole(request);
        if (refusal.isEmpty()) {
            return true;
        }
        try {
            refuse(request, response, refusal.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, AdminAccess.Refusal refusal) throws IOException {
        if (refusal.status() == HttpServletResponse.SC_UNAUTHORIZED && request.getHeader("Authorization") == null && opensAPage(request)) {
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", application.getContextPath() + StatusPageServlet.LOGIN_FOR_CONSOLE);
            return;
        }
        if (refusal.status() != HttpServletResponse.SC_UNAUTHORIZED || request.getHeader("Authorization") != null) {
            LOG.warn("Console: refused {} {} from {}: {}", request.getMethod(), request.getRequestURI(), request.getRemoteAddr(), refusal.message());
        }
        if (refusal.status() == HttpServletResponse.SC_UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"Switchboard\", charset=\"UTF-8\"");
        }
        AdminApiServlet.json(response, refusal.status(), Map.of("error", refusal.message()));
    }

    /** A browser navigating to a page (not a script's request, which gets the plain refusal). */
    private static boolean opensAPage(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return "GET".equals(request.getMethod()) && accept != null && accept.contains("text/html");
    }
}
