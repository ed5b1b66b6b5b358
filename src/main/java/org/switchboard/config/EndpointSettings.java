package org.switchboard.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * One configured endpoint: the AOR it owns, the CDI bean that implements it, and that bean's own
 * settings (bound by the bean, so that each bean documents and validates its own keys).
 */
public record EndpointSettings(
        String name,
        String aor,
        Kind kind,
        String bean,
        Integer instances,
        String epid,
        Boolean defaultRouting,
        Boolean register,
        JsonNode settings) {

    /** Application endpoints own an AOR for a service; user endpoints act for one user, several per user. */
    public enum Kind {
        APPLICATION, USER;

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Kind parse(String name) {
            for (Kind kind : values()) {
                if (kind.name().equalsIgnoreCase(name.trim())) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown kind '" + name + "' (expected application or user)");
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public EndpointSettings {
        kind = kind == null ? Kind.APPLICATION : kind;
        defaultRouting = defaultRouting != null && defaultRouting;
        register = register != null && register;
        settings = settings == null || settings.isNull() ? JsonNodeFactory.instance.objectNode() : settings;
    }

    public boolean isDefaultRouting() {
        return defaultRouting;
    }

    /** A user endpoint that registers with its home pool's registrars (when {@code registration.enabled}). */
    public boolean registers() {
        return register;
    }

    /** Pool size: 1 unless stated. */
    public int poolSize() {
        return instances == null ? 1 : instances;
    }

    public Optional<String> endpointId() {
        return Optional.ofNullable(epid);
    }

    /** The stated name, or the AOR's user part (application) or "user-epid" (user endpoints). */
    public String effectiveName() {
        if (name != null && !name.isBlank()) {
            return name;
        }
        String user = userPart(aor);
        return kind == Kind.USER && epid != null ? user + "-" + epid : user;
    }

    private static String userPart(String aor) {
        if (aor == null) {
            return "";
        }
        int colon = aor.indexOf(':');
        int at = aor.indexOf('@');
        return at > colon && colon >= 0 ? aor.substring(colon + 1, at) : aor;
    }
}
