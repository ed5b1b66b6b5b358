package org.switchboard.dispatch.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.SipUri;

class IncomingRequestTest {

    private static final SipUri FROM = SipUri.parse("sip:bob@example.com");

    private static IncomingRequest request(String method, String to, Optional<EndpointId> headerEpid) {
        return new IncomingRequest(method, true, Optional.empty(), SipUri.parse(to), headerEpid, Optional.empty(), FROM);
    }

    @Test
    void takesTheEpidFromTheToUriWhenTheHeaderHasNone() {
        assertThat(request("MESSAGE", "sip:alice@example.com;epid=AAA", Optional.empty()).endpointId())
                .contains(new EndpointId("aaa"));
    }

    @Test
    void keepsTheEpidOfTheToHeader() {
        assertThat(request("MESSAGE", "sip:alice@example.com", Optional.of(new EndpointId("bbb"))).endpointId())
                .contains(new EndpointId("bbb"));
    }

    @Test
    void acceptsTheSameEpidInHeaderAndUri() {
        assertThat(request("MESSAGE", "sip:alice@example.com;epid=bbb", Optional.of(new EndpointId("BBB"))).endpointId())
                .contains(new EndpointId("bbb"));
    }

    @Test
    void hasNoEpidWhenNeitherHeaderNorUriHasOne() {
        assertThat(request("MESSAGE", "sip:alice@example.com", Optional.empty()).endpointId()).isEmpty();
    }

    @Test
    void rejectsDisagreeingEpids() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> request("MESSAGE", "sip:alice@example.com;epid=aaa", Optional.of(new EndpointId("bbb"))))
                .withMessageContaining("disagrees");
    }

    @Test
    void rejectsAnEpidUriParameterWithoutValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> request("MESSAGE", "sip:alice@example.com;epid", Optional.empty()))
                .withMessageContaining("epid parameter without a value");
    }

    @Test
    void rejectsAMethodThatIsNotAToken() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> request("MES SAGE\r\n", "sip:alice@example.com", Optional.empty()))
                .withMessage("invalid method 'MES SAGE??'");
    }
}
