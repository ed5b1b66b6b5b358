package org.switchboard.deploy;

import java.io.IOException;
import java.util.function.BiPredicate;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.catalina.Container;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.switchboard.config.RunnerContract;

/**
 * Asks the application whether a request may reach the console; the application writes the refusal itself
 * (login page, 401, 429, 503). Until the application has published its gate, everything is refused. The
 * application is found beside the console on the same host, at {@link #setApplicationPath} (default
 * {@value Main#CONTEXT_PATH}), so an installed Tomcat can use this valve too: {@code <Valve
 * className="org.switchboard.deploy.ConsoleGateValve"/>} in the console's context (deploy/INSTALL.md).
 */
public final class ConsoleGateValve extends ValveBase {

    private String applicationPath = Main.CONTEXT_PATH;

    public ConsoleGateValve() {
        super(true);
    }

    /** The application's context path, when it is not deployed at {@value Main#CONTEXT_PATH}. */
    public void setApplicationPath(String applicationPath) {
        this.applicationPath = applicationPath;
    }

    public String getApplicationPath() {
        return applicationPath;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void invoke(Request request, Response response) throws IOException, ServletException {
        Object gate = gate();
        if (!(gate instanceof BiPredicate<?, ?> predicate)) {
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Switchboard is not running");
            return;
        }
        if (((BiPredicate<HttpServletRequest, HttpServletResponse>) predicate).test(request, response)) {
            getNext().invoke(request, response);
        }
    }

    private Object gate() {
        Container host = getContainer() == null ? null : getContainer().getParent();
        Container application = host == null ? null : host.findChild(applicationPath);
        if (application instanceof Context context && context.getState().isAvailable()) {
            return context.getServletContext().getAttribute(RunnerContract.CONSOLE_GATE_ATTRIBUTE);
        }
        return null;
    }
}
