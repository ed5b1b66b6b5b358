package org.switchboard.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.servlet.ServletContext;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.Version;
import org.switchboard.config.TopologySettings;
import org.switchboard.dispatch.routing.EndpointRef;
import org.switchboard.endpoint.Aor;
import org.switchboard.platform.Platform;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.subscription.SubscriptionRecord;

/**
 * The JSON API under {@code /api/}: reads with a login session or HTTP Basic, writes with a session and its CSRF
 * token (see {@link AdminAccess}); Prometheus text at {@code /api/metrics}.
 */
public final class AdminApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AdminApiServlet.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the page shows for a feature this build does not have. */
    /** The status page lists at most this many targets per view and subscriptions (the full lists have their own resources). */
    private static final int STATUS_LIST_LIMIT = 200;
    private static final Map<String, Object> NOT_CONFIGURED = Map.of("configured", false, "state", "not configured");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!admitted(request, response, false)) {
            return;
        }
        AdminAccess access = AdminAccess.of(getServletContext());
        Platform platform = Platform.of(getServletContext());
        String path = path(request);
        switch (path) {
            case "metrics" -> {
                AdminAccess.secureHeaders(response);
                response.setContentType("text/plain; version=0.0.4; charset=utf-8");
                response.getOutputStream().write(platform.metrics().scrape().getBytes(StandardCharsets.UTF_8));
            }
            case "status" -> json(response, HttpServletResponse.SC_OK, status(platform, getServletContext()));
            case "health" -> json(response, HttpServletResponse.SC_OK, HealthServlet.detail(platform, getServletContext()));
            case "platform" -> json(response, HttpServletResponse.SC_OK, platformSection(platform));
            case "endpoints" -> json(response, HttpServletResponse.SC_OK, endpoints(platform));
            case "presence-views" -> json(response, HttpServletResponse.SC_OK, presenceViews(platform, Integer.MAX_VALUE));
            case "presence" -> presence(request, response, platform);
            case "pool" -> json(response, HttpServletResponse.SC_OK,
                    platform.pool().map(member -> HealthServlet.pool(member.status())).orElseGet(() -> Map.of("enabled", false)));
            case "pools" -> json(response, HttpServletResponse.SC_OK, pools(platform.config().topology()));
            case "recovery" -> json(response, HttpServletResponse.SC_OK, recovery(platform));
            case "persistence" -> json(response, HttpServletResponse.SC_OK, platform.subscriptions().status());
            case "subscriptions" -> json(response, HttpServletResponse.SC_OK, subscriptions(platform, Integer.MAX_VALUE));
            case "registrations" -> json(response, HttpServletResponse.SC_OK, HealthServlet.registrations(platform));
            case "xmpp" -> json(response, HttpServletResponse.SC_OK, xmpp(platform));
            case "session" -> json(response, HttpServletResponse.SC_OK,
                    access.session(request).<Object>map(s -> Map.of("csrfToken", s.csrfToken())).orElse(Map.of()));
            default -> json(response, HttpServletResponse.SC_NOT_FOUND, Map.of("error", "No such resource: /api/" + path));
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!admitted(request, response, true)) {
            return;
        }
        Platform platform = Platform.of(getServletContext());
        String path = path(request);
        switch (path) {
            case "presence-views/refresh-all" -> {
                int targets = platform.presenceViews().refreshAll();
                LOG.info("Status page: forced refresh of all presence views ({} targets, paced)", targets);
                json(response, HttpServletResponse.SC_ACCEPTED, Map.of("queued", targets));
            }
            case "recovery/recover-now" -> {
                if (platform.recovery().isEmpty()) {
                    json(response, HttpServletResponse.SC_CONFLICT, Map.of("error", "Persistence is disabled: nothing to recover"));
                } else {
                    LOG.info("Status page: recover now");
                    json(response, HttpServletResponse.SC_ACCEPTED, platform.recovery().get().recoverRestNow());
                }
            }
            default -> json(response, HttpServletResponse.SC_NOT_FOUND, Map.of("error", "No such action: POST /api/" + path));
        }
    }

    /** True when the request may go on; otherwise its refusal has been written. */
    private boolean admitted(HttpServletRequest request, HttpServletResponse response, boolean write) throws IOException {
        AdminAccess access = AdminAccess.of(getServletContext());
        Optional<AdminAccess.Refusal> refusal = write ? access.checkWrite(request) : access.checkRead(request);
        if (refusal.isPresent()) {
            refuse(request, response, refusal.get());
        }
        return refusal.isEmpty();
    }

    private static String path(HttpServletRequest request) {
        String info = request.getPathInfo();
        return info == null ? "" : info.replaceAll("^/+|/+$", "");
    }

    private static void refuse(HttpServletRequest request, HttpServletResponse response, AdminAccess.Refusal refusal) throws IOException {
        if (refusal.status() == HttpServletResponse.SC_UNAUTHORIZED && request.getHeader(AdminAccess.PAGE_HEADER) == null) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"Switchboard\", charset=\"UTF-8\"");
        }
        json(response, refusal.status(), Map.of("error", refusal.message()));
    }

    static void json(HttpServletResponse response, int status, Object body) throws IOException {
        AdminAccess.secureHeaders(response);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        JSON.writeValue(response.getOutputStream(), body);
    }

    private static Map<String, Object> status(Platform platform, ServletContext context) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", platformSection(platform));
        body.put("sip", SipListening.of(context));
        body.put("endpoints", endpoints(platform));
        body.put("presenceViews", presenceViews(platform, STATUS_LIST_LIMIT));
        body.put("presenceViewStates", platform.presenceViews().countByState());
        body.put("presence", platform.presence().counts());
        body.put("pools", pools(platform.config().topology()));
        body.put("recovery", recovery(platform));
        body.put("persistence", platform.subscriptions().status());
        body.put("subscriptionCount", platform.subscriptions().status().records());
        body.put("subscriptions", subscriptions(platform, STATUS_LIST_LIMIT));
        body.put("registrations", HealthServlet.registrations(platform));
        body.put("xmpp", xmpp(platform));
        return body;
    }

    /** The bridge's XMPP connection and counts; "not configured" when the bridge is disabled. */
    private static Map<String, Object> xmpp(Platform platform) {
        return platform.bridge().map(HealthServlet::bridge).orElse(NOT_CONFIGURED);
    }

    private static Map<String, Object> platformSection(Platform platform) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", Version.current());
        body.put("instanceId", platform.identity().instanceId());
        body.put("startedAt", platform.startedAt().toString());
        body.put("uptimeSeconds", platform.uptime().toSeconds());
        body.put("applicationPool", platform.config().topology().applicationPool());
        return body;
    }

    private static List<Map<String, Object>> endpoints(Platform platform) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (EndpointRef ref : platform.endpoints().endpoints()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", ref.name());
            e.put("kind", ref.kind().name().toLowerCase(java.util.Locale.ROOT));
            e.put("aor", ref.owner().toString());
            e.put("gruu", ref.gruu().uri().toString());
            ref.endpointId().ifPresent(id -> e.put("epid", id.toString()));
            list.add(e);
        }
        return list;
    }

    private static List<Map<String, Object>> presenceViews(Platform platform, int limit) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (RemotePresenceView view : platform.presenceViews().views()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("owner", view.owner());
            v.put("mode", view.mode().name().toLowerCase(java.util.Locale.ROOT));
            List<Map<String, String>> targets = new ArrayList<>();
            List<Aor> all = view.targets();
            v.put("targetCount", all.size());
            for (Aor target : all.subList(0, Math.min(limit, all.size()))) {
                targets.add(Map.of("target", target.toString(), "state", view.state(target).map(Enum::name).orElse("GONE")));
            }
            v.put("targets", targets);
            v.put("refusedBodies", view.refusedBodies());
            list.add(v);
        }
        return list;
    }

    private static void presence(HttpServletRequest request, HttpServletResponse response, Platform platform) throws IOException {
        String presentity = request.getParameter("presentity");
        Aor aor;
        try {
            aor = Aor.parse(presentity == null ? "" : presentity.trim());
        } catch (IllegalArgumentException e) {
            json(response, HttpServletResponse.SC_BAD_REQUEST, Map.of("error", "presentity must be a SIP URI, e.g. ?presentity=sip:bob@example.com"));
            return;
        }
        List<Map<String, Object>> updates = new ArrayList<>();
        for (PresenceUpdate update : platform.presence().current(aor)) {
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("category", update.category());
            u.put("publishTime", update.publishTime().instant().map(Object::toString).orElse(null));
            u.put("contentType", update.contentType());
            u.put("document", update.document());
            updates.add(u);
        }
        json(response, HttpServletResponse.SC_OK, Map.of("presentity", aor.toString(), "updates", updates));
    }

    private static Map<String, Object> pools(TopologySettings topology) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("applicationPool", topology.applicationPool());
        body.put("frontEndPool", topology.frontEndPool());
        body.put("frontEndPools", topology.frontEndPools());
        return body;
    }

    private static Object recovery(Platform platform) {
        return platform.recovery().<Object>map(r -> r.progress()).orElse(Map.of("configured", false, "state", "persistence disabled"));
    }

    private static List<Map<String, Object>> subscriptions(Platform platform, int limit) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (SubscriptionRecord r : platform.subscriptions().all().stream().limit(limit).toList()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", r.id());
            s.put("direction", r.direction().name());
            s.put("sipAor", r.sipAor().toString());
            s.put("xmppJid", r.xmppJid());
            s.put("state", r.state().name());
            s.put("activatedAt", r.activatedAt().toString());
            s.put("lastRecoveredAt", r.lastRecoveredAt().map(Object::toString).orElse(null));
            list.add(s);
        }
        return list;
    }
}
