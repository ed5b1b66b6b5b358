package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.SipUri;

class UriCacheTest {

    @Test
    void the_same_text_gives_the_same_parsed_uri() {
        UriCache cache = new UriCache(10);
        SipUri first = cache.parse("sip:bot@example.com");
        assertThat(cache.parse("sip:bot@example.com")).isSameAs(first).isEqualTo(SipUri.parse("sip:bot@example.com"));
    }

    @Test
    void it_never_holds_more_than_its_capacity() {
        UriCache cache = new UriCache(3);
        for (int i = 0; i < 10; i++) {
            cache.parse("sip:user" + i + "@example.com");
            assertThat(cache.size()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void text_that_is_not_a_sip_uri_is_refused_every_time() {
        UriCache cache = new UriCache(3);
        assertThatThrownBy(() -> cache.parse("tel:+1234")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.parse("tel:+1234")).isInstanceOf(IllegalArgumentException.class);
    }
}
