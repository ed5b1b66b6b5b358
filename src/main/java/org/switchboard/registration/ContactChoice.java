package org.switchboard.registration;

import java.util.Optional;
import org.switchboard.endpoint.SipUri;

/** One Contact of a 3xx answer: where to go, and its preference ({@code q}, 0 to 1; absent reads as 1). */
public record ContactChoice(SipUri uri, Optional<Float> q) {

    public ContactChoice {
        q = q == null ? Optional.empty() : q;
    }

    float preference() {
        return q.orElse(1.0f);
    }
}
