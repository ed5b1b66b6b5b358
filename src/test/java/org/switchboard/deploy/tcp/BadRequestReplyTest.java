package org.switchboard.deploy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BadRequestReplyTest {

    /** As the stack's TCP reader hands a head over: lines ending in LF alone. */
    private static final String HEAD = """
            OPTIONS sip:echo@example.com SIP/2.0
            Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1
            Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK0
            From: <sip:a@example.com>;tag=f1
            To: <sip:echo@example.com>
            Call-ID: c1@example.com
            CSeq: abc OPTIONS
            Max-Forwards: 70
            Content-Length: 0

            """;

    @Test
    void copies_the_vias_from_to_call_id_and_cseq_as_they_came_and_tags_the_to() {
        assertThat(BadRequestReply.to(HEAD, "unparseable CSeq")).hasValue("""
                SIP/2.0 400 Bad Request (unparseable CSeq)\r
                Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1\r
                Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK0\r
                From: <sip:a@example.com>;tag=f1\r
                To: <sip:echo@example.com>;tag=badrequest\r
                Call-ID: c1@example.com\r
                CSeq: abc OPTIONS\r
                Content-Length: 0\r
                \r
                """);
    }

    @Test
    void keeps_a_to_tag_there_is_and_reads_compact_header_names() {
        String compact = HEAD.replace("Via:", "v:").replace("From:", "f:").replace("Call-ID:", "i:")
                .replace("To: <sip:echo@example.com>", "t: <sip:echo@example.com>;tag=x");
        assertThat(BadRequestReply.to(compact, "p")).get().asString()
                .contains("\r\nv: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1\r\n")
                .contains("\r\nt: <sip:echo@example.com>;tag=x\r\n").doesNotContain("badrequest");
    }

    @Test
    void none_without_a_header_the_response_must_copy() {
        assertThat(BadRequestReply.to(HEAD.replace("Call-ID: c1@example.com\n", ""), "p")).isEmpty();
        assertThat(BadRequestReply.to("HELLO WORLD\n\n", "unparseable Request-Line")).isEmpty();
    }

    @Test
    void none_for_an_ack_or_a_response() {
        assertThat(BadRequestReply.to(HEAD.replace("OPTIONS sip:", "ACK sip:"), "p")).isEmpty();
        assertThat(BadRequestReply.to(HEAD.replace("OPTIONS sip:echo@example.com SIP/2.0", "SIP/2.0 200 OK"), "p")).isEmpty();
    }

    @Test
    void the_reason_phrase_cannot_break_the_status_line() {
        assertThat(BadRequestReply.to(HEAD, "bad\r\nInjected: yes")).get().asString()
                .startsWith("SIP/2.0 400 Bad Request (bad??Injected: yes)\r\n");
    }
}
