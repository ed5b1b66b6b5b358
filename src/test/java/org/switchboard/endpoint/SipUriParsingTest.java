package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SipUriParsingTest {

    @Test
    void parsesUserAndHost() {
        SipUri uri = SipUri.parse("sip:alice@example.com");

        assertThat(uri.scheme()).isEqualTo(SipUri.Scheme.SIP);
        assertThat(uri.user()).contains("alice");
        assertThat(uri.password()).isEmpty();
        assertThat(uri.host()).isEqualTo("example.com");
        assertThat(uri.port()).isEmpty();
        assertThat(uri.parameters()).isEmpty();
        assertThat(uri.headers()).isEmpty();
    }

    @Test
    void parsesSipsWithPortAndParametersInOrder() {
        SipUri uri = SipUri.parse("sips:bot@Example.COM:5061;transport=tcp;epid=abc");

        assertThat(uri.scheme()).isEqualTo(SipUri.Scheme.SIPS);
        assertThat(uri.user()).contains("bot");
        assertThat(uri.host()).isEqualTo("Example.COM");
        assertThat(uri.port()).hasValue(5061);
        assertThat(uri.parameters()).containsExactly(
                new SipUri.Parameter("transport", Optional.of("tcp")),
                new SipUri.Parameter("epid", Optional.of("abc")));
    }

    @Test
    void parsesGruuParameterWhoseValueHasColons() {
        SipUri uri = SipUri.parse("sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");

        assertThat(uri.parameter("gr").flatMap(SipUri.Parameter::value))
                .contains("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    }

    @Test
    void parsesFlagParameterWithoutValue() {
        SipUri uri = SipUri.parse("sip:proxy.example.com;lr");

        assertThat(uri.parameter("lr")).contains(new SipUri.Parameter("lr", Optional.empty()));
    }

    @Test
    void findsParametersByNameCaseInsensitively() {
        SipUri uri = SipUri.parse("sip:alice@example.com;Transport=TCP");

        assertThat(uri.parameter("transport").flatMap(SipUri.Parameter::value)).contains("TCP");
    }

    @Test
    void parsesBracketedIpv6HostWithPort() {
        SipUri uri = SipUri.parse("sip:alice@[2001:db8::1]:5070;transport=tcp");

        assertThat(uri.host()).isEqualTo("[2001:db8::1]");
        assertThat(uri.port()).hasValue(5070);
        assertThat(uri.parameters()).hasSize(1);
    }

    @Test
    void parsesBracketedIpv6HostWithEmbeddedIpv4() {
        SipUri uri = SipUri.parse("sip:[::ffff:192.0.2.1]");

        assertThat(uri.user()).isEmpty();
        assertThat(uri.host()).isEqualTo("[::ffff:192.0.2.1]");
    }

    @Test
    void parsesIpv4Host() {
        assertThat(SipUri.parse("sip:bob@192.0.2.4:5060").host()).isEqualTo("192.0.2.4");
    }

    @Test
    void decodesEscapedUnreservedCharactersInUser() {
        assertThat(SipUri.parse("sip:%61lice@example.com").user()).contains("alice");
    }

    @Test
    void keepsEscapedReservedCharactersInUserWithUpperCaseHex() {
        assertThat(SipUri.parse("sip:a%3bb%c3%a9@example.com").user()).contains("a%3Bb%C3%A9");
    }

    @Test
    void parsesPassword() {
        SipUri uri = SipUri.parse("sip:alice:secret@example.com");

        assertThat(uri.user()).contains("alice");
        assertThat(uri.password()).contains("secret");
    }

    @Test
    void parsesTelephoneSubscriberUser() {
        SipUri uri = SipUri.parse("sip:+1-212-555-1212:1234@gateway.com;user=phone");

        assertThat(uri.user()).contains("+1-212-555-1212");
        assertThat(uri.password()).contains("1234");
        assertThat(uri.parameter("user").flatMap(SipUri.Parameter::value)).contains("phone");
    }

    @Test
    void parsesUserContainingSemicolonsAndQuestionMarks() {
        SipUri uri = SipUri.parse("sip:alice;day=tuesday?x@example.com");

        assertThat(uri.user()).contains("alice;day=tuesday?x");
        assertThat(uri.parameters()).isEmpty();
    }

    @Test
    void parsesHeadersInOrder() {
        SipUri uri = SipUri.parse("sips:alice@atlanta.com?subject=project%20x&priority=urgent");

        assertThat(uri.headers()).containsExactly(
                new SipUri.Header("subject", "project%20x"),
                new SipUri.Header("priority", "urgent"));
    }

    @Test
    void parsesUriWithoutUserButWithParametersAndHeaders() {
        SipUri uri = SipUri.parse("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com");

        assertThat(uri.user()).isEmpty();
        assertThat(uri.host()).isEqualTo("biloxi.com");
        assertThat(uri.parameters()).extracting(SipUri.Parameter::name).containsExactly("transport", "method");
        assertThat(uri.headers()).containsExactly(new SipUri.Header("to", "sip:bob%40biloxi.com"));
    }

    @Test
    void readsSchemeCaseInsensitively() {
        assertThat(SipUri.parse("SIP:ALICE@AtLanTa.CoM").scheme()).isEqualTo(SipUri.Scheme.SIP);
    }

    @Test
    void ignoresSurroundingWhitespace() {
        assertThat(SipUri.parse("  sip:alice@example.com \t")).hasToString("sip:alice@example.com");
    }

    @Test
    void rendersCanonicalForm() {
        assertThat(SipUri.parse("SIP:%61lice:pw@Example.COM:5060;lr;Transport=TCP?Subject=hi%2a"))
                .hasToString("sip:alice:pw@Example.COM:5060;lr;Transport=TCP?Subject=hi*");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "sip:alice@example.com",
        "sips:bot@Example.COM:5061;transport=tcp;epid=abc",
        "sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "sip:alice@[2001:db8::1]:5070;maddr=[2001:db8::2]",
        "sip:a%3Bb:p%40ss@example.com;lr?subject=project%20x&priority=urgent",
    })
    void renderedTextParsesBackToAnIdenticalUri(String text) {
        SipUri uri = SipUri.parse(text);

        assertThat(uri.toString()).isEqualTo(text);
        assertThat(SipUri.parse(uri.toString())).isEqualTo(uri);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "\"\"                                   | empty",
        "alice@example.com                    | no scheme",
        "tel:+1-212-555-1212                  | scheme must be sip or sips",
        "http://example.com/                  | scheme must be sip or sips",
        "sip:                                 | missing host",
        "sip:@example.com                     | empty user part",
        "sip:alice@                           | missing host",
        "sip:alice@;transport=tcp             | missing host",
        "sip:al ice@example.com               | invalid character ' ' in user part",
        "sip:al<ice@example.com               | invalid character '<' in user part",
        "sip:%zzalice@example.com             | malformed escape in user part",
        "sip:alice%4@example.com              | malformed escape in user part",
        "sip:alice:pa ss@example.com          | invalid character ' ' in password",
        "sip:alice@exa_mple.com               | invalid host",
        "sip:alice@-example.com               | invalid host",
        "sip:alice@example..com               | invalid host",
        "sip:alice@example.123                | the last label must start with a letter",
        "sip:alice@256.1.1.1                  | IPv4 octet out of range",
        "sip:alice@example.com:               | invalid port",
        "sip:alice@example.com:50a            | invalid port",
        "sip:alice@example.com:123456         | invalid port",
        "sip:alice@example.com:65536          | out of range",
        "sip:alice@[2001:db8::1               | unterminated IPv6 reference",
        "sip:alice@[2001:db8:::1]             | malformed IPv6 address",
        "sip:alice@[1:2:3:4:5:6:7:8:9]        | malformed IPv6 address",
        "sip:alice@[1:2:3:4:5:6:7]            | malformed IPv6 address",
        "sip:alice@[12345::1]                 | malformed IPv6 address",
        "sip:alice@[fe80::1%25eth0]           | malformed IPv6 address",
        "sip:alice@[]                         | malformed IPv6 reference",
        "sip:alice@[::1]x                     | after the IPv6 reference",
        "sip:alice@example.com;               | empty parameter name",
        "sip:alice@example.com;;lr            | empty parameter name",
        "sip:alice@example.com;transport=     | empty value for parameter 'transport'",
        "sip:alice@example.com;a=b c          | invalid character ' ' in value of parameter 'a'",
        "sip:alice@example.com;a=b;A=c        | duplicate parameter 'A'",
        "sip:alice@example.com?               | empty header component",
        "sip:alice@example.com?subject        | has no '='",
        "sip:alice@example.com?=x             | empty header name",
        "sip:alice@example.com?a=b&           | has no '='",
    })
    void rejectsMalformedUriNamingTheProblem(String text, String problem) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SipUri.parse(text))
                .withMessageStartingWith("invalid SIP URI '" + text + "': ")
                .withMessageContaining(problem);
    }

    @Test
    void rejectsOverlongInputBeforeParsingIt() {
        String text = "sip:" + "a".repeat(SipUriParser.MAX_LENGTH) + "@example.com";

        assertThatIllegalArgumentException()
                .isThrownBy(() -> SipUri.parse(text))
                .withMessageContaining("longer than " + SipUriParser.MAX_LENGTH + " characters");
    }

    @Test
    void errorMessageReplacesControlCharactersAndCutsLongInput() {
        String text = "sip:alice@exam\r\nple.com" + ";x=y".repeat(100);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> SipUri.parse(text))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r", "\n").contains("exam??ple.com", "...'"));
    }

    @Test
    void listsAreUnmodifiable() {
        SipUri uri = SipUri.parse("sip:alice@example.com;lr?a=b");

        List<SipUri.Parameter> parameters = uri.parameters();
        assertThat(parameters).isUnmodifiable();
        assertThat(uri.headers()).isUnmodifiable();
    }
}
