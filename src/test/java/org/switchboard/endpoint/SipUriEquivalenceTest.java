package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 3261 §19.1.4 comparison, starting with the RFC's own examples. */
class SipUriEquivalenceTest {

    private static void assertEquivalent(String a, String b) {
        SipUri first = SipUri.parse(a);
        SipUri second = SipUri.parse(b);
        assertThat(first).isEqualTo(second);
        assertThat(second).isEqualTo(first);
        assertThat(first.hashCode()).isEqualTo(second.hashCode());
    }

    private static void assertNotEquivalent(String a, String b) {
        SipUri first = SipUri.parse(a);
        SipUri second = SipUri.parse(b);
        assertThat(first).isNotEqualTo(second);
        assertThat(second).isNotEqualTo(first);
    }

    @ParameterizedTest(name = "{0} == {1}")
    @CsvSource(delimiter = '|', value = {
        "sip:%61lice@atlanta.com;transport=TCP | sip:alice@AtLanTa.CoM;Transport=tcp",
        "sip:carol@chicago.com | sip:carol@chicago.com;newparam=5",
        "sip:carol@chicago.com | sip:carol@chicago.com;security=on",
        "sip:carol@chicago.com;newparam=5 | sip:carol@chicago.com;security=on",
        "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com"
                + " | sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
        "sip:alice@atlanta.com?subject=project%20x&priority=urgent"
                + " | sip:alice@atlanta.com?priority=urgent&subject=project%20x",
    })
    void rfc3261EquivalentExamplesAreEqual(String a, String b) {
        assertEquivalent(a, b);
    }

    @ParameterizedTest(name = "{0} != {1}")
    @CsvSource(delimiter = '|', value = {
        "SIP:ALICE@AtLanTa.CoM;Transport=udp | sip:alice@AtLanTa.CoM;Transport=UDP",
        "sip:bob@biloxi.com | sip:bob@biloxi.com:5060",
        "sip:bob@biloxi.com | sip:bob@biloxi.com;transport=udp",
        "sip:bob@biloxi.com | sip:bob@biloxi.com:6000;transport=tcp",
        "sip:carol@chicago.com | sip:carol@chicago.com?Subject=next%20meeting",
        "sip:bob@phone21.boxesbybob.com | sip:bob@192.0.2.4",
    })
    void rfc3261NonEquivalentExamplesDiffer(String a, String b) {
        assertNotEquivalent(a, b);
    }

    @Test
    void rfc3261NonTransitiveExampleDiffersDirectly() {
        assertEquivalent("sip:carol@chicago.com;security=on", "sip:carol@chicago.com");
        assertEquivalent("sip:carol@chicago.com", "sip:carol@chicago.com;security=off");
        assertNotEquivalent("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off");
    }

    @Test
    void sipAndSipsDiffer() {
        assertNotEquivalent("sip:alice@example.com", "sips:alice@example.com");
    }

    @Test
    void userComparesCaseSensitively() {
        assertNotEquivalent("sip:alice@example.com", "sip:Alice@example.com");
    }

    @Test
    void hostComparesCaseInsensitively() {
        assertEquivalent("sip:alice@example.com", "sip:alice@EXAMPLE.Com");
    }

    @Test
    void userComparesAfterUnescapingUnreservedCharacters() {
        assertEquivalent("sip:%41lice.%2A@example.com", "sip:Alice.*@example.com");
    }

    @Test
    void escapedUserCharactersStillCompareCaseSensitively() {
        assertNotEquivalent("sip:%41lice@example.com", "sip:alice@example.com");
    }

    @Test
    void escapedReservedCharacterDiffersFromTheLiteralOne() {
        assertNotEquivalent("sip:a%3Bb@example.com", "sip:a;b@example.com");
    }

    @Test
    void hexDigitCaseOfEscapesDoesNotMatter() {
        assertEquivalent("sip:a%3bb%c3%a9@example.com", "sip:a%3Bb%C3%A9@example.com");
    }

    @Test
    void passwordMustMatch() {
        assertNotEquivalent("sip:alice:one@example.com", "sip:alice:two@example.com");
        assertNotEquivalent("sip:alice:one@example.com", "sip:alice@example.com");
    }

    @Test
    void passwordComparesCaseSensitivelyAfterUnescaping() {
        assertEquivalent("sip:alice:%70w@example.com", "sip:alice:pw@example.com");
        assertNotEquivalent("sip:alice:pw@example.com", "sip:alice:PW@example.com");
    }

    @Test
    void differentPortsDiffer() {
        assertNotEquivalent("sip:alice@example.com:5060", "sip:alice@example.com:5070");
    }

    @Test
    void portWithLeadingZerosEqualsThePlainPort() {
        assertEquivalent("sip:alice@example.com:05060", "sip:alice@example.com:5060");
    }

    @ParameterizedTest
    @ValueSource(strings = {"user=phone", "ttl=15", "method=INVITE", "maddr=239.255.255.1", "transport=tcp"})
    void mustMatchParameterInOnlyOneUriMakesThemDiffer(String parameter) {
        assertNotEquivalent("sip:alice@example.com;" + parameter, "sip:alice@example.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {"user", "ttl", "method", "maddr", "transport"})
    void mustMatchParameterWithDifferentValuesMakesThemDiffer(String name) {
        assertNotEquivalent("sip:alice@example.com;" + name + "=a", "sip:alice@example.com;" + name + "=b");
    }

    @Test
    void mustMatchParameterNamesAndValuesCompareCaseInsensitively() {
        assertEquivalent("sip:alice@example.com;MADDR=Example.NET;user=PHONE", "sip:alice@example.com;maddr=example.net;USER=phone");
    }

    @Test
    void otherParameterInBothUrisMustMatch() {
        assertNotEquivalent("sip:alice@example.com;epid=abc", "sip:alice@example.com;epid=abd");
    }

    @Test
    void otherParameterValuesCompareCaseInsensitivelyAndAfterUnescaping() {
        assertEquivalent("sip:alice@example.com;EPID=%41bc", "sip:alice@example.com;epid=abc");
    }

    @Test
    void otherParameterInOnlyOneUriIsIgnored() {
        assertEquivalent("sip:alice@example.com;gr=urn:uuid:1", "sip:alice@example.com");
    }

    @Test
    void flagParameterDiffersFromTheSameParameterWithAValue() {
        assertNotEquivalent("sip:proxy.example.com;lr", "sip:proxy.example.com;lr=on");
    }

    @Test
    void parameterOrderDoesNotMatter() {
        assertEquivalent("sip:alice@example.com;transport=tcp;lr;epid=1", "sip:alice@example.com;epid=1;lr;transport=tcp");
    }

    @Test
    void headerInOnlyOneUriMakesThemDiffer() {
        assertNotEquivalent("sip:alice@example.com", "sip:alice@example.com?priority=urgent");
    }

    @Test
    void headerNamesCompareCaseInsensitively() {
        assertEquivalent("sip:alice@example.com?Subject=x", "sip:alice@example.com?subject=x");
    }

    @Test
    void headerValuesCompareExactlyAfterUnescapingUnreservedCharacters() {
        assertEquivalent("sip:alice@example.com?subject=%4Eext", "sip:alice@example.com?subject=Next");
        assertNotEquivalent("sip:alice@example.com?subject=Next", "sip:alice@example.com?subject=next");
    }

    @Test
    void repeatedHeaderMustAppearAsOftenInBoth() {
        assertNotEquivalent("sip:alice@example.com?a=1&a=1", "sip:alice@example.com?a=1");
    }

    @Test
    void ipv6HostsCompareAsAddresses() {
        assertEquivalent("sip:alice@[::1]", "sip:alice@[0:0:0:0:0:0:0:1]");
        assertEquivalent("sip:alice@[2001:DB8::1]", "sip:alice@[2001:db8:0:0::0001]");
        assertEquivalent("sip:alice@[::ffff:192.0.2.1]", "sip:alice@[::ffff:c000:201]");
    }

    @Test
    void differentIpv6AddressesDiffer() {
        assertNotEquivalent("sip:alice@[2001:db8::1]", "sip:alice@[2001:db8::1:0]");
    }

    @Test
    void hashCodeIgnoresParametersComparedOnlyWhenInBoth() {
        assertThat(SipUri.parse("sip:alice@example.com;security=on").hashCode())
                .isEqualTo(SipUri.parse("sip:alice@example.com;security=off").hashCode());
    }

    @Test
    void equivalentUriFindsTheEntryOfAHashMap() {
        Map<SipUri, String> owners = new HashMap<>();
        owners.put(SipUri.parse("sip:%61lice@Example.com;newparam=5"), "alice");

        assertThat(owners.get(SipUri.parse("sip:alice@example.com"))).isEqualTo("alice");
        assertThat(owners.get(SipUri.parse("sip:alice@example.com;transport=tcp"))).isNull();
    }

    @Test
    void isNeverEqualToAnotherType() {
        assertThat(SipUri.parse("sip:alice@example.com")).isNotEqualTo("sip:alice@example.com");
    }
}
