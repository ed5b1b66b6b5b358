package org.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SipStreamFramerTest {

    private static final String OK = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-1\r\nCall-ID: 1-a@127.0.0.1\r\n"
            + "CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";

    private final SipStreamFramer framer = new SipStreamFramer();

    private void append(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        framer.append(bytes, 0, bytes.length);
    }

    @Test
    void a_response_gives_its_status_and_call_id() {
        append(OK);
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(200, "1-a@127.0.0.1"));
        assertThat(framer.next()).isNull();
    }

    @Test
    void a_message_split_over_reads_comes_out_once_complete() {
        append(OK.substring(0, 40));
        assertThat(framer.next()).isNull();
        append(OK.substring(40, OK.length() - 1));
        assertThat(framer.next()).isNull();
        append(OK.substring(OK.length() - 1));
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(200, "1-a@127.0.0.1"));
    }

    @Test
    void the_body_is_skipped_by_content_length_even_when_it_holds_an_empty_line() {
        append("SIP/2.0 486 Busy Here\r\ni: 2-a@127.0.0.1\r\nl: 8\r\n\r\nab\r\n\r\ncd" + OK);
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(486, "2-a@127.0.0.1"));
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(200, "1-a@127.0.0.1"));
    }

    @Test
    void a_message_waits_for_its_whole_body() {
        append("SIP/2.0 200 OK\r\nCall-ID: 3-a@127.0.0.1\r\nCONTENT-LENGTH: 4\r\n\r\nab");
        assertThat(framer.next()).isNull();
        append("cd");
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(200, "3-a@127.0.0.1"));
    }

    @Test
    void keep_alives_between_messages_are_skipped_and_a_request_has_no_status() {
        append("\r\n\r\nOPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: r\r\nContent-Length: 0\r\n\r\n\r\n" + OK);
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(0, "r"));
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(200, "1-a@127.0.0.1"));
    }

    @Test
    void more_bytes_than_the_buffer_holds_are_kept() {
        String body = "x".repeat(100_000);
        append("SIP/2.0 200 OK\r\nCall-ID: 4-a@127.0.0.1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body + OK);
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(200, "4-a@127.0.0.1"));
        assertThat(framer.next()).isEqualTo(new SipStreamFramer.Message(200, "1-a@127.0.0.1"));
    }

    @Test
    void a_content_length_that_is_not_a_number_cannot_be_framed() {
        append("SIP/2.0 200 OK\r\nContent-Length: many\r\n\r\n");
        assertThatThrownBy(framer::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("many");
    }
}
