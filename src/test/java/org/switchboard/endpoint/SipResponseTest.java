package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SipResponseTest {

    @Test
    void headers_are_found_whatever_the_case_of_their_name() {
        SipResponse response = SipResponse.of(200, "OK", Map.of("X-Peer-Note", List.of("first", "second")), Optional.empty(), null);

        assertThat(response.header("x-peer-note")).contains("first");
        assertThat(response.headers("X-PEER-NOTE")).containsExactly("first", "second");
        assertThat(response.header("Missing")).isEmpty();
        assertThat(response.headers("Missing")).isEmpty();
    }

    @Test
    void the_body_is_a_copy_and_reads_as_utf_8_text() {
        byte[] body = "grüße".getBytes(StandardCharsets.UTF_8);
        SipResponse response = SipResponse.of(200, "OK", Map.of(), Optional.of("text/plain"), body);
        body[0] = 'X';

        assertThat(response.text()).isEqualTo("grüße");
        response.content()[0] = 'Y';
        assertThat(response.text()).isEqualTo("grüße");
        assertThat(SipResponse.of(200, "OK", Map.of(), Optional.empty(), null).content()).isEmpty();
    }

    @Test
    void the_headers_cannot_be_changed_afterwards() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Server", List.of("peer"));
        SipResponse response = SipResponse.of(200, "OK", headers, Optional.empty(), null);
        headers.put("Server", List.of("changed"));

        assertThat(response.header("Server")).contains("peer");
        assertThatThrownBy(() -> response.headers().put("X", List.of())).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void provisional_success_and_status_range() {
        assertThat(SipResponse.of(180, "Ringing", Map.of(), Optional.empty(), null).isProvisional()).isTrue();
        assertThat(SipResponse.of(202, "Accepted", Map.of(), Optional.empty(), null).isSuccess()).isTrue();
        assertThat(SipResponse.of(486, "Busy Here", Map.of(), Optional.empty(), null).isSuccess()).isFalse();
        assertThatThrownBy(() -> SipResponse.of(99, "", Map.of(), Optional.empty(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("99");
    }
}
