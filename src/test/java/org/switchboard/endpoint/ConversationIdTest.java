package org.switchboard.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConversationIdTest {

    @Test
    void dropsSurroundingWhitespace() {
        assertThat(new ConversationId("  AcQx3XjR+A==\t").value()).isEqualTo("AcQx3XjR+A==");
    }

    @Test
    void comparesCaseSensitively() {
        assertThat(new ConversationId("AbC")).isNotEqualTo(new ConversationId("abc"));
        assertThat(new ConversationId(" AbC ")).isEqualTo(new ConversationId("AbC"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\t "})
    void rejectsBlankValue(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> new ConversationId(value)).withMessage("blank conversation id");
    }

    @Test
    void rejectsControlCharacters() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ConversationId("abc\r\nInjected: x"))
                .withMessageContaining("control character")
                .withMessageNotContaining("\r");
    }

    @Test
    void rejectsOverlongValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ConversationId("x".repeat(ConversationId.MAX_LENGTH + 1)))
                .withMessageContaining("longer than");
    }
}
