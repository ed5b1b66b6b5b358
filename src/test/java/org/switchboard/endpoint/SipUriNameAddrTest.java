package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SipUriNameAddrTest {

    @Test
    void readsUriOfNameAddrWithQuotedDisplayNameAndTag() {
        SipUri uri = SipUri.fromNameAddr("\"Alice\" <sip:alice@example.com>;tag=1");

        assertThat(uri).hasToString("sip:alice@example.com");
        assertThat(uri.parameters()).isEmpty();
    }

    @Test
    void keepsUriParametersInsideTheAngleBrackets() {
        SipUri uri = SipUri.fromNameAddr("<sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>;tag=1;epid=abc");

        assertThat(uri.parameter("gr")).isPresent();
        assertThat(uri.parameter("epid")).isEmpty();
    }

    @Test
    void readsUnquotedDisplayNameOfSeveralWords() {
        assertThat(SipUri.fromNameAddr("Alice Smith <sips:alice@example.com:5061>"))
                .hasToString("sips:alice@example.com:5061");
    }

    @Test
    void readsUnquotedDisplayNameWithNonAsciiLetters() {
        assertThat(SipUri.fromNameAddr("Zoë <sip:zoe@example.com>")).hasToString("sip:zoe@example.com");
    }

    @Test
    void quotedDisplayNameMayContainAngleBracketsAndEscapedQuotes() {
        assertThat(SipUri.fromNameAddr("\"A <b> \\\"c\\\"\" <sip:alice@example.com>"))
                .hasToString("sip:alice@example.com");
    }

    @Test
    void parametersAfterBareAddrSpecBelongToTheHeader() {
        SipUri uri = SipUri.fromNameAddr("sip:alice@example.com;tag=1;epid=abc");

        assertThat(uri).hasToString("sip:alice@example.com");
    }

    @Test
    void toleratesSurroundingWhitespace() {
        assertThat(SipUri.fromNameAddr("  \"Alice\"   <sip:alice@example.com>  ;tag=1 ")).hasToString("sip:alice@example.com");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "<sip:alice@example.com                 | missing '>'",
        "\"Alice <sip:alice@example.com>        | unterminated quoted display name",
        "\"Alice\" sip:alice@example.com        | expected '<' after the quoted display name",
        "<sip:alice@example.com> junk           | unexpected text after '>'",
        "Al;ice <sip:alice@example.com>         | invalid character ';' in display name",
        "sip:alice@example.com>                 | unbalanced angle brackets",
        "<tel:+1-212-555-1212>                  | scheme must be sip or sips",
        "\"Alice\" <sip:al ice@example.com>     | invalid character ' ' in user part",
    })
    void rejectsMalformedNameAddrNamingTheProblem(String value, String problem) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SipUri.fromNameAddr(value))
                .withMessageContaining(problem);
    }
}
