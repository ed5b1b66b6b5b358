package org.switchboard.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A SIP transport the platform listens on. */
public enum Transport {
    UDP, TCP, TLS;

    @JsonCreator
    public static Transport parse(String name) {
        for (Transport t : values()) {
            if (t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + name + "' (expected udp, tcp or tls)");
    }

    /** The lower-case name used in configuration, SIP URIs ({@code transport=udp}) and the ready line. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
