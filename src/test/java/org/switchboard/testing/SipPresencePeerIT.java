package org.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The SIP presence peer of the bridge tests against itself: one watches, the other serves presence. */
class SipPresencePeerIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void a_watcher_subscribes_gets_the_first_notify_a_later_one_and_ends_with_expires_0() throws Exception {
        try (SipPresencePeer server = SipPresencePeer.udp(); SipPresencePeer watcher = SipPresencePeer.udp()) {
            SipPresencePeer.Watch watch = watcher.subscribe("sip:carol@example.com", "sip:bob@example.com", server.port(), 600);
            assertThat(watch.status()).isEqualTo(200);
            SipPresencePeer.ReceivedSubscribe subscribe = server.awaitSubscribe(s -> s.toUri().equals("sip:bob@example.com"), WAIT);
            assertThat(subscribe.fromUri()).isEqualTo("sip:carol@example.com");
            assertThat(subscribe.expires()).isEqualTo(600);
            assertThat(subscribe.header("Event")).isEqualTo("presence");
            assertThat(watcher.awaitNotify(watch, n -> "active".equals(n.state()), WAIT).body()).contains("<basic>open</basic>");

            assertThat(server.notify(subscribe.callId(), "active;expires=500",
                    SipPresencePeer.pidf("sip:bob@example.com", "open", "away", "lunch", Instant.now()))).isEqualTo(200);
            SipPresencePeer.ReceivedNotify second = watcher.awaitNotify(watch, n -> n.body() != null && n.body().contains("lunch"), WAIT);
            assertThat(second.stateParameter("expires")).isEqualTo("500");

            assertThat(watcher.resubscribe(watch, 0)).isEqualTo(200);
            assertThat(server.awaitSubscribe(s -> s.inDialog() && s.expires() == 0, WAIT).callId()).isEqualTo(watch.callId());
            assertThat(watcher.awaitNotify(watch, n -> "terminated".equals(n.state()), WAIT)).isNotNull();
        }
    }
}
