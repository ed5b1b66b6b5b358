package org.switchboard.endpoint;

import java.util.Optional;
import org.switchboard.presence.PresenceStore;
import org.switchboard.presence.view.PresenceViewListener;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.ViewMode;

/** An endpoint hosted by the platform, as its bean sees it. */
public interface Endpoint {

    /** The name in the configuration (unique on the platform). */
    String name();

    /** The address of record this endpoint owns or acts for. */
    Aor owner();

    /** This endpoint's own GRUU; it is the Contact of everything the endpoint sends. Stable across restarts. */
    Gruu gruu();

    /** The endpoint id of a user endpoint; empty for application endpoints. */
    Optional<EndpointId> endpointId();

    /**
     * The endpoint's {@code settings} section bound to {@code type} (a record or bean with Jackson
     * binding, kebab-case keys; unknown keys refused). An {@link IllegalArgumentException} names the
     * offending key.
     */
    <T> T settings(Class<T> type);

    /**
     * The platform's presence store: offer presence bodies received (they are kept in publish-time order
     * across pools) and read or listen to presence by presentity.
     */
    PresenceStore presenceStore();

    /**
     * A new, empty presence view owned by this endpoint: add targets to it, and {@code listener} hears their
     * presence and every change of their subscriptions. Close it (or remove its targets) to unsubscribe.
     * The platform can force a refresh of every view at once.
     */
    RemotePresenceView createPresenceView(ViewMode mode, PresenceViewListener listener);

    /** Forces a refresh of every target of every view this endpoint made, paced (see the README's "Presence views"). */
    void refreshPresenceViews();

    /** Forces a refresh of every target of every view on the whole platform, paced. */
    void refreshAllPresenceViews();

    /** A new out-of-dialog request from this endpoint (From its AOR, Contact its GRUU) to {@code target}. */
    OutboundRequest newRequest(String method, SipUri target);
}
