package org.switchboard.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.sip.SipServlet;
import org.switchboard.Version;
import org.switchboard.bridge.BridgeCounts;
import org.switchboard.bridge.XmppConnectionState;
import org.switchboard.platform.BridgeRuntime;
import org.switchboard.platform.Platform;

/**
 * {@code GET /health}: is the application up, which version, for how long, on which SIP addresses,
 * in which application pool, and what became of the presence updates offered (counts only). Unauthenticated
 * on purpose, so load balancers and monitors can poll it; it names no user.
 */
public final class HealthServlet extends HttpServlet {

    private static Map<String, Object> bridge(BridgeRuntime bridge) {
        Map<String, Object> out = new LinkedHashMap<>();
        BridgeCounts counts = bridge.counts();
        out.put("state", bridge.state());
        bridge.problem().ifPresent(problem -> out.put("problem", problem));
        out.put("outgoing", counts.outgoing());
        out.put("incoming", counts.incoming());
        out.put("forwardedToXmpp", counts.forwardedToXmpp());
        out.put("forwardedToSip", counts.forwardedToSip());
        out.put("droppedOutOfOrder", counts.droppedOutOfOrder());
        return out;
    }

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Platform platform = Platform.of(getServletContext());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "up");
        body.put("version", Version.current());
        body.put("startedAt", platform.startedAt().toString());
        body.put("uptimeSeconds", platform.uptime().toSeconds());
        body.put("instanceId", platform.identity().instanceId());
        body.put("startCount", platform.identity().startCount());
        body.put("sipAddresses", sipAddresses());
        body.put("applicationPool", platform.config().topology().applicationPool());
        body.put("presence", platform.presence().counts());
        body.put("presenceViews", platform.presenceViews().countByState());
        body.put("persistence", platform.subscriptions().status());
        platform.recovery().ifPresent(recovery -> body.put("recovery", recovery.progress()));
        body.put("bridge", platform.bridge().map(HealthServlet::bridge).orElseGet(() -> Map.of("state", XmppConnectionState.DISABLED)));
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        JSON.writeValue(response.getOutputStream(), body);
    }

    /** The container's own view of where it listens (JSR 289 outbound interfaces). */
    private List<String> sipAddresses() {
        List<String> addresses = new ArrayList<>();
        Object interfaces = getServletContext().getAttribute(SipServlet.OUTBOUND_INTERFACES);
        if (interfaces instanceof List<?> list) {
            for (Object uri : list) {
                addresses.add(String.valueOf(uri));
            }
        }
        return addresses;
    }
}
