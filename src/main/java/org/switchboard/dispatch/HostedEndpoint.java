package org.switchboard.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.function.Supplier;
import org.switchboard.dispatch.routing.EndpointRef;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.Gruu;
import org.switchboard.endpoint.OutboundRequest;
import org.switchboard.endpoint.SipUri;
import org.switchboard.presence.PresenceStore;
import org.switchboard.presence.view.PresenceViewListener;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.ViewMode;

/** One endpoint on this platform: its identity in the routing table, and the bean that implements it. */
final class HostedEndpoint implements Endpoint {

    /** Binds the endpoint's settings section; errors name the configuration key. */
    interface SettingsBinder {
        <T> T bind(JsonNode settings, Class<T> type);
    }

    private final EndpointRef ref;
    private final EndpointBehavior behavior;
    private final JsonNode settings;
    private final SettingsBinder binder;
    private final Outbound outbound;
    private final Supplier<PresenceStore> presence;
    private final Views views;

    /** Makes presence views for an endpoint (the SIP edge lives in the host). */
    interface Views {
        RemotePresenceView create(HostedEndpoint owner, ViewMode mode, PresenceViewListener listener);

        /** {@code owner} null: every view of the platform. */
        void refresh(HostedEndpoint owner);
    }

    /** Sends requests on an endpoint's behalf (the SIP factory lives at the edge). */
    interface Outbound {
        OutboundRequest newRequest(HostedEndpoint from, String method, SipUri target);
    }

    HostedEndpoint(EndpointRef ref, EndpointBehavior behavior, JsonNode settings, SettingsBinder binder, Outbound outbound,
            Supplier<PresenceStore> presence, Views views) {
        this.ref = ref;
        this.behavior = behavior;
        this.settings = settings;
        this.binder = binder;
        this.outbound = outbound;
        this.presence = presence;
        this.views = views;
    }

    EndpointRef ref() {
        return ref;
    }

    EndpointBehavior behavior() {
        return behavior;
    }

    /** The Contact header value every message of this endpoint carries. */
    String contact() {
        return "<" + ref.gruu().uri() + ">";
    }

    @Override
    public String name() {
        return ref.name();
    }

    @Override
    public Aor owner() {
        return ref.owner();
    }

    @Override
    public Gruu gruu() {
        return ref.gruu();
    }

    @Override
    public Optional<EndpointId> endpointId() {
        return ref.endpointId();
    }

    @Override
    public <T> T settings(Class<T> type) {
        return binder.bind(settings, type);
    }

    @Override
    public OutboundRequest newRequest(String method, SipUri target) {
        return outbound.newRequest(this, method, target);
    }

    @Override
    public PresenceStore presenceStore() {
        return presence.get();
    }

    @Override
    public RemotePresenceView createPresenceView(ViewMode mode, PresenceViewListener listener) {
        return views.create(this, mode, listener);
    }

    @Override
    public void refreshPresenceViews() {
        views.refresh(this);
    }

    @Override
    public void refreshAllPresenceViews() {
        views.refresh(null);
    }

    @Override
    public String toString() {
        return ref.name() + " " + ref.gruu().uri();
    }
}
