package org.switchboard.dispatch.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.switchboard.dispatch.routing.Endpoints.ALICE;
import static org.switchboard.dispatch.routing.Endpoints.BOB;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.Gruu;

class EndpointRefTest {

    @Test
    void applicationEndpointGetsAGruuDerivedFromItsAorAndName() {
        EndpointRef bot = EndpointRef.application("bot-1", ALICE);

        assertThat(bot.kind()).isEqualTo(EndpointRef.Kind.APPLICATION);
        assertThat(bot.gruu()).isEqualTo(Gruu.derive(ALICE, "bot-1"));
        assertThat(bot.endpointId()).isEmpty();
    }

    @Test
    void userEndpointCarriesItsEpid() {
        EndpointRef laptop = EndpointRef.user("laptop", ALICE, new EndpointId("aaa"));

        assertThat(laptop.kind()).isEqualTo(EndpointRef.Kind.USER);
        assertThat(laptop.endpointId()).contains(new EndpointId("aaa"));
        assertThat(laptop.gruu().aor()).isEqualTo(ALICE);
    }

    @Test
    void rejectsAGruuUnderAnotherAor() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new EndpointRef("x", EndpointRef.Kind.USER, ALICE, Gruu.derive(BOB, "x"), Optional.empty()))
                .withMessageContaining("is not under its AOR sip:alice@example.com");
    }

    @Test
    void rejectsABlankName() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new EndpointRef(" ", EndpointRef.Kind.USER, ALICE, Gruu.derive(ALICE, "x"), Optional.empty()))
                .withMessage("blank endpoint name");
    }
}
