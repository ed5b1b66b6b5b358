package org.switchboard.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.admin.auth.AdminSessions;
import org.switchboard.admin.auth.SameOrigin;
import org.switchboard.config.RunnerContract;

/**
 * The status page: {@code GET /status} shows the login form, or the page once logged in; {@code POST /login}
 * and {@code POST /logout}; its script and style sheet. Plain HTML and a little JavaScript, which reads the JSON API.
 */
public final class StatusPageServlet extends HttpServlet {

    /** Where the console's gate sends a browser without a login; after it, the browser goes on to the console. */
    static final String LOGIN_FOR_CONSOLE = "/status?next=console";
    private static final String CONSOLE_PAGE = RunnerContract.CONSOLE_PATH + "/";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(StatusPageServlet.class);
    private static final Map<String, String> ASSETS = Map.of(
            "/status.js", "application/javascript; charset=utf-8",
            "/status.css", "text/css; charset=utf-8");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getServletPath();
        if (ASSETS.containsKey(path)) {
            AdminAccess.secureHeaders(response);
            response.setContentType(ASSETS.get(path));
            response.getOutputStream().write(resource(path.substring(1)).getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!path.equals("/status")) {
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        AdminAccess access = AdminAccess.of(getServletContext());
        if (!access.configured()) {
            page(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "login.html", AdminAccess.notConfigured().message());
            return;
        }
        Optional<AdminSessions.Session> session = access.session(request);
        boolean toConsole = "console".equals(request.getParameter("next"));
        if (session.isEmpty()) {
            page(response, HttpServletResponse.SC_OK, "login.html", "", toConsole);
            return;
        }
        if (toConsole) {
            seeOther(response, CONSOLE_PAGE);
            return;
        }
        AdminAccess.secureHeaders(response);
        response.setContentType("text/html; charset=utf-8");
        response.getOutputStream().write(resource("status.html").replace("{{csrf}}", session.get().csrfToken())
                .getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        AdminAccess access = AdminAccess.of(getServletContext());
        String path = request.getServletPath();
        if (!access.configured()) {
            page(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "login.html", AdminAccess.notConfigured().message());
            return;
        }
        if (path.equals("/logout")) {
            Optional<AdminAccess.Refusal> refusal = access.checkWrite(request);
            if (refusal.isPresent()) {
                AdminApiServlet.json(response, refusal.get().status(), Map.of("error", refusal.get().message()));
                return;
            }
            access.logout(request);
            AdminAccess.setCookie(request, response, "", true);
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        if (!path.equals("/login")) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        // A login form posted from another site would log the victim's browser into the attacker's account.
        if (!SameOrigin.allows(request.getScheme(), request.getHeader("Host"), request.getHeader("Origin"), request.getHeader("Referer"))) {
            page(response, HttpServletResponse.SC_FORBIDDEN, "login.html", "Cross-site login refused");
            return;
        }
        request.setCharacterEncoding("UTF-8");
        AdminAccess.Login login = access.login(request.getRemoteAddr(), request.getParameter("username"), request.getParameter("password"));
        Optional<AdminSessions.Session> session = login.session();
        if (session.isEmpty()) {
            AdminAccess.Refusal refusal = login.refusal().orElseThrow();
            LOG.warn("Status page: failed login from {}: {}", request.getRemoteAddr(), refusal.message());
            page(response, refusal.status(), "login.html", refusal.message(), "console".equals(request.getParameter("next")));
            return;
        }
        LOG.info("Status page: login from {}", request.getRemoteAddr());
        AdminAccess.setCookie(request, response, session.get().token(), false);
        // Only two places to go on to, so a crafted form cannot send the browser elsewhere.
        seeOther(response, "console".equals(request.getParameter("next")) ? CONSOLE_PAGE : request.getContextPath() + "/status");
    }

    private static void seeOther(HttpServletResponse response, String location) {
        response.setStatus(HttpServletResponse.SC_SEE_OTHER);
        response.setHeader("Location", location);
    }

    private static void page(HttpServletResponse response, int status, String name, String message) throws IOException {
        page(response, status, name, message, false);
    }

    private static void page(HttpServletResponse response, int status, String name, String message, boolean toConsole) throws IOException {
        AdminAccess.secureHeaders(response);
        response.setStatus(status);
        response.setContentType("text/html; charset=utf-8");
        response.getOutputStream().write(resource(name).replace("{{message}}", escape(message))
                .replace("{{next}}", toConsole ? "console" : "").getBytes(StandardCharsets.UTF_8));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = StatusPageServlet.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
