package org.switchboard.endpoint.builtin;

import java.util.Map;

/**
 * The endpoint beans the archive ships, by their {@code @Named} name, with the type their
 * {@code settings:} bind to: what the runner checks a configuration against before anything starts.
 */
public final class ShippedBeans {

    private ShippedBeans() {
    }

    /** Bean name → settings type; only the settings records are loaded, never the beans themselves. */
    public static Map<String, Class<?>> settingsTypes() {
        return Map.of(
                "echo", EchoEndpoint.Settings.class,
                "reject", RejectingEndpoint.Settings.class,
                "forwarder", ForwardingEndpoint.Settings.class,
                "presence-monitor", PresenceMonitorEndpoint.Settings.class);
    }
}
