package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointIdTest {

    @Test
    void comparesCaseInsensitively() {
        assertThat(new EndpointId("A1B2c3")).isEqualTo(new EndpointId("a1b2C3"));
        assertThat(new EndpointId("A1B2c3")).hasToString("a1b2c3");
    }

    @Test
    void acceptsEveryTokenCharacter() {
        assertThat(new EndpointId("aZ09-.!%*_+`'~").value()).isEqualTo("az09-.!%*_+`'~");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void rejectsBlankValue(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> new EndpointId(value)).withMessage("blank endpoint id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a;b", "a=b", "a\"b", "é", "a\nb"})
    void rejectsCharactersOutsideTheTokenSet(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> new EndpointId(value)).withMessageContaining("invalid character");
    }

    @Test
    void rejectsOverlongValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new EndpointId("a".repeat(EndpointId.MAX_LENGTH + 1)))
                .withMessageContaining("longer than");
    }
}
