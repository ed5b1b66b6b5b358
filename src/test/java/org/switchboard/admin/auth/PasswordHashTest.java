package org.switchboard.admin.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PasswordHashTest {

    private static final int FAST = PasswordHash.MIN_ITERATIONS;

    @Test
    void the_password_that_was_hashed_matches_and_any_other_does_not() {
        PasswordHash hash = PasswordHash.of("correct horse".toCharArray(), FAST);
        assertThat(hash.matches("correct horse".toCharArray())).isTrue();
        assertThat(hash.matches("correct horse ".toCharArray())).isFalse();
        assertThat(hash.matches("".toCharArray())).isFalse();
    }

    @Test
    void the_stored_form_names_the_scheme_and_iterations_and_reads_back_to_the_same_hash() {
        // A password long enough that base64 of the random salt and hash cannot hold it by chance ("pw" did, 1 run in ~70).
        PasswordHash hash = PasswordHash.of("secret-pw-7".toCharArray(), 12_345);
        String stored = hash.encoded();
        assertThat(stored).startsWith("pbkdf2-sha256$12345$").doesNotContain("secret-pw-7").doesNotContain("=");
        PasswordHash read = PasswordHash.parse(stored);
        assertThat(read).isEqualTo(hash);
        assertThat(read.matches("secret-pw-7".toCharArray())).isTrue();
    }

    @Test
    void the_same_password_hashed_twice_gets_two_salts() {
        assertThat(PasswordHash.of("pw".toCharArray(), FAST).encoded()).isNotEqualTo(PasswordHash.of("pw".toCharArray(), FAST).encoded());
    }

    @Test
    void a_hash_made_elsewhere_with_the_same_scheme_is_checked() {
        // PBKDF2-HMAC-SHA256, password "password", salt "saltsaltsaltsalt" (16 bytes), 10000 iterations, 32 bytes
        // (computed independently with Python's hashlib.pbkdf2_hmac).
        PasswordHash hash = PasswordHash.parse("pbkdf2-sha256$10000$c2FsdHNhbHRzYWx0c2FsdA$"
                + "/HBtt7Z/7p0CzRvSN1B+KXrKNskvRts1UWw61zKTFUo");
        assertThat(hash.matches("password".toCharArray())).isTrue();
    }

    @Test
    void malformed_stored_forms_are_refused_with_a_reason_that_does_not_echo_them() {
        assertThatThrownBy(() -> PasswordHash.parse("s3cret")).hasMessageContaining("pbkdf2-sha256$").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> PasswordHash.parse("md5$1000$abc$def")).hasMessageContaining("expected");
        assertThatThrownBy(() -> PasswordHash.parse("pbkdf2-sha256$ten$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> PasswordHash.parse("pbkdf2-sha256$1000$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA")).hasMessageContaining("iterations");
        assertThatThrownBy(() -> PasswordHash.parse("pbkdf2-sha256$10000$!!$c2FsdHNhbHRzYWx0c2FsdA")).hasMessageContaining("Base64");
    }

    @Test
    void credentials_need_both_the_user_name_and_the_password() {
        Credentials credentials = new Credentials("ops", PasswordHash.of("pw".toCharArray(), FAST));
        assertThat(credentials.matches("ops", "pw")).isTrue();
        assertThat(credentials.matches("ops", "pw")).as("again, from the remembered digest").isTrue();
        assertThat(credentials.matches("other", "pw")).isFalse();
        assertThat(credentials.matches("ops", "wrong")).isFalse();
        assertThat(credentials.matchesBasic("Basic b3BzOnB3")).isTrue(); // ops:pw
        assertThat(credentials.matchesBasic("Basic b3BzOnd4")).isFalse(); // ops:wx
        assertThat(credentials.matchesBasic("Bearer b3BzOnB3")).isFalse();
        assertThat(credentials.matchesBasic("Basic not-base64!")).isFalse();
    }
}
