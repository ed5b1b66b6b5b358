package org.switchboard.dispatch.routing;

import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.EndpointId;

/** Endpoints shared by the routing tests. */
final class Endpoints {

    static final Aor BOT = Aor.parse("sip:bot@example.com");
    static final Aor ALICE = Aor.parse("sip:alice@example.com");
    static final Aor BOB = Aor.parse("sip:bob@example.com");
    static final Aor CAROL = Aor.parse("sip:carol@example.com");
    static final Aor FALLBACK = Aor.parse("sip:fallback@example.com");

    static final EndpointRef BOT_1 = EndpointRef.application("bot-1", BOT);
    static final EndpointRef BOT_2 = EndpointRef.application("bot-2", BOT);
    static final EndpointRef CAROL_APP = EndpointRef.application("carol", CAROL);
    static final EndpointRef ALICE_LAPTOP = EndpointRef.user("alice-laptop", ALICE, new EndpointId("aaa"));
    static final EndpointRef ALICE_PHONE = EndpointRef.user("alice-phone", ALICE, new EndpointId("bbb"));
    static final EndpointRef BOB_DESK = EndpointRef.user("bob-desk", BOB, new EndpointId("ccc"));
    static final EndpointRef DEFAULT = EndpointRef.application("fallback", FALLBACK);

    private Endpoints() {
    }
}
