package org.switchboard.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.servlet.ServletContext;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.sip.SipServlet;
import org.switchboard.Version;
import org.switchboard.pool.Member;
import org.switchboard.pool.PoolStatus;
import org.switchboard.bridge.BridgeCounts;
import org.switchboard.bridge.XmppConnectionState;
import org.switchboard.platform.BridgeRuntime;
import org.switchboard.platform.Platform;
import org.switchboard.presence.OrderedPresenceStore;
import org.switchboard.presence.PresenceStore;
import org.switchboard.registration.RegistrationEvent;
import org.switchboard.registration.RegistrationSnapshot;

/**
 * {@code GET /health}, unauthenticated on purpose so load balancers and monitors can poll it: only whether the
 * application is up and ready (the reason when not) and its version — a small answer of constant shape that tells
 * nothing about users, registrars, the bridge or the topology. The detail (uptime, instance, SIP addresses and
 * certificate, pool, presence counts, views, persistence, recovery, bridge, registrations with their registrars and
 * events) is {@code GET /api/health}, behind the operator's login ({@link #detail}).
 */
public final class HealthServlet extends HttpServlet {

    static Map<String, Object> bridge(BridgeRuntime bridge) {
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

    /**
     * The presence counts and, for the ordered store, how it stands with the database: updates held back in memory
     * during an outage (the newest per key), those written back since, and its circuit breaker's state.
     */
    static Map<String, Object> presence(PresenceStore presence) {
        Map<String, Object> out = new LinkedHashMap<>(JSON.convertValue(presence.counts(), new TypeReference<Map<String, Object>>() { }));
        if (presence instanceof OrderedPresenceStore ordered) {
            out.put("heldBack", ordered.heldBackCount());
            out.put("writtenBack", ordered.writtenBackCount());
            out.put("breaker", ordered.breakerState());
        }
        return out;
    }

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Platform platform = Platform.of(getServletContext());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "up");
        // What a load balancer's probe sees too: the keep-alive OPTIONS is answered 503 with this reason.
        Optional<String> notReady = platform.endpoints().notReady();
        body.put("ready", notReady.isEmpty());
        notReady.ifPresent(reason -> body.put("notReady", reason));
        body.put("version", Version.current());
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        JSON.writeValue(response.getOutputStream(), body);
    }

    /** The whole health of the running application, for the operator ({@code GET /api/health}). */
    static Map<String, Object> detail(Platform platform, ServletContext context) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "up");
        Optional<String> notReady = platform.endpoints().notReady();
        body.put("ready", notReady.isEmpty());
        notReady.ifPresent(reason -> body.put("notReady", reason));
        body.put("version", Version.current());
        body.put("startedAt", platform.startedAt().toString());
        body.put("uptimeSeconds", platform.uptime().toSeconds());
        body.put("instanceId", platform.identity().instanceId());
        body.put("startCount", platform.identity().startCount());
        body.put("sipAddresses", sipAddresses(context));
        body.put("sip", SipListening.of(context));
        body.put("applicationPool", platform.config().topology().applicationPool());
        body.put("presence", presence(platform.presence()));
        body.put("presenceViews", platform.presenceViews().countByState());
        body.put("persistence", platform.subscriptions().status());
        platform.recovery().ifPresent(recovery -> body.put("recovery", recovery.progress()));
        body.put("bridge", platform.bridge().map(HealthServlet::bridge).orElseGet(() -> Map.of("state", XmppConnectionState.DISABLED)));
        body.put("registrations", registrations(platform));
        body.put("pool", platform.pool().map(member -> pool(member.status())).orElseGet(() -> Map.of("enabled", false)));
        return body;
    }

    /**
     * Each registering endpoint: its state and since when, where it is registered, its primary and backup
     * registrars, and its recent steps. Endpoint names and registrar addresses only: the user's AOR is left out.
     */
    /** The pool as this member saw it at its last renewal: members, what this one holds, takeovers. */
    static Map<String, Object> pool(PoolStatus status) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("enabled", true);
        out.put("instanceId", status.instanceId());
        out.put("state", status.state());
        status.lastRenewal().ifPresent(at -> out.put("lastRenewal", at.toString()));
        out.put("leases", status.owned());
        out.put("takeovers", status.takeovers());
        out.put("handovers", status.handovers());
        out.put("lost", status.lost());
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member member : status.members()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("instanceId", member.instanceId());
            m.put("address", member.address());
            m.put("state", member.state());
            m.put("leaseExpiresAt", member.leaseExpiresAt().toString());
            members.add(m);
        }
        out.put("members", members);
        return out;
    }

    static List<Map<String, Object>> registrations(Platform platform) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (RegistrationSnapshot r : platform.registrations()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("endpoint", r.endpoint());
            entry.put("state", r.state().name());
            entry.put("since", r.since().toString());
            entry.put("registrar", r.registrar().map(String::valueOf).orElse(null));
            entry.put("primary", r.primary().map(String::valueOf).orElse(null));
            entry.put("backup", r.backup().map(String::valueOf).orElse(null));
            List<Map<String, Object>> events = new ArrayList<>();
            for (RegistrationEvent e : platform.registrationEvents(r.endpoint())) {
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("at", e.at().toString());
                event.put("kind", e.kind().name());
                event.put("from", e.from().name());
                event.put("to", e.to().name());
                event.put("detail", e.detail());
                events.add(event);
            }
            entry.put("events", events);
            list.add(entry);
        }
        return list;
    }

    /** The container's own view of where it listens (JSR 289 outbound interfaces). */
    private static List<String> sipAddresses(ServletContext context) {
        List<String> addresses = new ArrayList<>();
        Object interfaces = context.getAttribute(SipServlet.OUTBOUND_INTERFACES);
        if (interfaces instanceof List<?> list) {
            for (Object uri : list) {
                addresses.add(String.valueOf(uri));
            }
        }
        return addresses;
    }
}
