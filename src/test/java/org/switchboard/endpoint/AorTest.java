package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class AorTest {

    @Test
    void dropsEveryParameterAndHeader() {
        Aor aor = Aor.parse("sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6;epid=abc;transport=tcp;user=phone?subject=x");

        assertThat(aor).hasToString("sip:alice@example.com");
        assertThat(aor.uri().parameters()).isEmpty();
        assertThat(aor.uri().headers()).isEmpty();
    }

    @Test
    void dropsThePassword() {
        assertThat(Aor.parse("sip:alice:secret@example.com")).isEqualTo(Aor.parse("sip:alice@example.com"));
    }

    @Test
    void writesTheHostInLowerCase() {
        assertThat(Aor.parse("sip:alice@Example.COM")).hasToString("sip:alice@example.com");
    }

    @Test
    void canonicalisesEscapesInTheUser() {
        assertThat(Aor.parse("sip:%61lice@example.com")).hasToString("sip:alice@example.com");
    }

    @Test
    void keepsThePort() {
        assertThat(Aor.parse("sip:bot@example.com:5070")).hasToString("sip:bot@example.com:5070");
        assertThat(Aor.parse("sip:bot@example.com:5060")).isNotEqualTo(Aor.parse("sip:bot@example.com"));
    }

    @Test
    void keepsTheScheme() {
        assertThat(Aor.parse("sips:bot@example.com")).isNotEqualTo(Aor.parse("sip:bot@example.com"));
    }

    @Test
    void keepsUserCase() {
        assertThat(Aor.parse("sip:Alice@example.com")).isNotEqualTo(Aor.parse("sip:alice@example.com"));
    }

    @Test
    void allowsAnAorWithoutUser() {
        assertThat(Aor.parse("sip:conference.example.com")).hasToString("sip:conference.example.com");
    }

    @Test
    void equivalentSpellingsGiveEqualAorsWithEqualHashes() {
        Aor first = Aor.parse("sip:%61lice@EXAMPLE.com;transport=tcp");
        Aor second = Aor.parse("sip:alice@example.com;epid=x");

        assertThat(first).isEqualTo(second);
        assertThat(first.hashCode()).isEqualTo(second.hashCode());
    }

    @Test
    void parseRejectsGarbage() {
        assertThatIllegalArgumentException().isThrownBy(() -> Aor.parse("alice")).withMessageContaining("no scheme");
    }
}
