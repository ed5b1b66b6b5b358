package org.switchboard.dispatch.routing;

import java.util.Objects;

/** Where an incoming request goes: exactly one of delivered, default-routed or rejected. */
public sealed interface RoutingDecision {

    /** Why a request went to the default routing endpoint. */
    enum Reason {
        /** No endpoint matched. */
        NO_MATCH,
        /** Several endpoints matched and none could be preferred. */
        AMBIGUOUS
    }

    /** Exactly one endpoint matched. */
    record Delivered(EndpointRef endpoint, Rule rule) implements RoutingDecision {
        public Delivered {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(rule, "rule");
        }
    }

    /** No single endpoint matched, and a default routing endpoint is configured. */
    record DefaultRouted(EndpointRef defaultEndpoint, Reason reason) implements RoutingDecision {
        public DefaultRouted {
            Objects.requireNonNull(defaultEndpoint, "defaultEndpoint");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** No single endpoint matched and there is no default routing endpoint: answer with this final response. */
    record Rejected(int statusCode, String reasonPhrase) implements RoutingDecision {
        public Rejected {
            Objects.requireNonNull(reasonPhrase, "reasonPhrase");
            if (statusCode < 400 || statusCode > 699) {
                throw new IllegalArgumentException("a rejection needs a 4xx-6xx status, not " + statusCode);
            }
            if (reasonPhrase.isBlank()) {
                throw new IllegalArgumentException("blank reason phrase");
            }
        }
    }
}
