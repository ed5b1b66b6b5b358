package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class GruuTest {

    private static final Aor ALICE = Aor.parse("sip:alice@example.com");
    private static final UUID INSTANCE = UUID.fromString("f81d4fae-7dec-11d0-a765-00a0c91e6bf6");

    @Test
    void isTheAorWithAnUrnUuidGrParameter() {
        assertThat(Gruu.of(ALICE, INSTANCE))
                .hasToString("sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    }

    @Test
    void isReadFromAUriWithAGrParameter() {
        SipUri uri = SipUri.parse("sip:alice@Example.com;transport=tcp;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");

        assertThat(Gruu.from(uri)).contains(Gruu.of(ALICE, INSTANCE));
    }

    @Test
    void isNotReadFromAUriWithoutGrParameter() {
        assertThat(Gruu.from(SipUri.parse("sip:alice@example.com;epid=abc"))).isEmpty();
    }

    @Test
    void isNotReadFromAUriWithAValuelessGrParameter() {
        assertThat(Gruu.from(SipUri.parse("sip:tgruu.7hs7fajsc7@example.com;gr"))).isEmpty();
    }

    @Test
    void identityIgnoresOtherParametersAndTheCaseOfTheGrValue() {
        Gruu plain = Gruu.from(SipUri.parse("sip:alice@example.com;gr=urn:uuid:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6")).orElseThrow();
        Gruu decorated = Gruu.from(SipUri.parse("sip:alice@example.com;epid=x;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6;lr")).orElseThrow();

        assertThat(plain).isEqualTo(decorated).isEqualTo(Gruu.of(ALICE, INSTANCE));
    }

    @Test
    void differsFromTheGruuOfAnotherInstance() {
        assertThat(Gruu.of(ALICE, INSTANCE)).isNotEqualTo(Gruu.of(ALICE, UUID.fromString("00000000-0000-0000-0000-000000000001")));
    }

    @Test
    void uriReadsBackAsTheSameGruu() {
        Gruu gruu = Gruu.of(ALICE, INSTANCE);

        assertThat(Gruu.from(gruu.uri())).contains(gruu);
    }

    @Test
    void derivedGruuIsTheSameEveryTime() {
        assertThat(Gruu.derive(ALICE, "laptop")).isEqualTo(Gruu.derive(Aor.parse("sip:alice@EXAMPLE.com"), "laptop"));
    }

    @Test
    void derivedGruuNeverChangesAcrossReleases() {
        // pinned (and equal to Python's uuid.uuid5 of the same namespace and name): a change here would
        // give every endpoint a new GRUU after an upgrade
        assertThat(Gruu.derive(ALICE, "laptop"))
                .hasToString("sip:alice@example.com;gr=urn:uuid:5836765c-89cd-525e-83da-3b0173e7646a");
    }

    @Test
    void derivedGruuUsesAVersion5Uuid() {
        String gr = Gruu.derive(ALICE, "laptop").gr();
        UUID uuid = UUID.fromString(gr.substring("urn:uuid:".length()));

        assertThat(uuid.version()).isEqualTo(5);
        assertThat(uuid.variant()).isEqualTo(2);
    }

    @Test
    void derivedGruuDiffersByEndpointName() {
        assertThat(Gruu.derive(ALICE, "laptop")).isNotEqualTo(Gruu.derive(ALICE, "phone"));
    }

    @Test
    void derivedGruuDiffersByAor() {
        assertThat(Gruu.derive(ALICE, "laptop").gr()).isNotEqualTo(Gruu.derive(Aor.parse("sip:bob@example.com"), "laptop").gr());
    }

    @Test
    void derivationRejectsABlankEndpointName() {
        assertThatIllegalArgumentException().isThrownBy(() -> Gruu.derive(ALICE, " ")).withMessageContaining("blank endpoint name");
    }

    @Test
    void rejectsAGrValueThatCannotAppearInAUri() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Gruu(ALICE, "urn uuid")).withMessageContaining("invalid character ' '");
    }
}
