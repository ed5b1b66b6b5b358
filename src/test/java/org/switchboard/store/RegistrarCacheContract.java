package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;
import org.switchboard.registration.RegistrarCache;
import org.switchboard.registration.Registrars;

/** What every database behind the registrar cache must do (migration V4); subclasses say which database. */
abstract class RegistrarCacheContract {

    static final Aor ALICE = Aor.parse("sip:alice@example.com");
    static final SipUri PRIMARY = SipUri.parse("sip:127.0.0.1:5070;transport=udp");
    static final SipUri BACKUP = SipUri.parse("sip:reg2.example.com:5060");

    @TempDir
    Path dataDir;

    Database database;
    RegistrarCache cache;

    abstract Database openDatabase(Path dataDir);

    @BeforeEach
    void open() {
        database = openDatabase(dataDir);
        cache = database.registrarCache(Clock.systemUTC());
        cache.forget(ALICE);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void a_saved_entry_reads_back_after_the_database_is_opened_again() {
        cache.save(ALICE, new Registrars(PRIMARY, Optional.of(BACKUP)));
        database.close();
        database = openDatabase(dataDir);

        assertThat(database.registrarCache(Clock.systemUTC()).find(ALICE)).contains(new Registrars(PRIMARY, Optional.of(BACKUP)));
    }

    @Test
    void saving_again_replaces_the_entry_and_a_missing_backup_is_kept_missing() {
        cache.save(ALICE, new Registrars(BACKUP, Optional.of(PRIMARY)));
        cache.save(ALICE, Registrars.primaryOnly(PRIMARY));

        assertThat(cache.find(ALICE)).contains(Registrars.primaryOnly(PRIMARY));
    }

    @Test
    void a_forgotten_user_has_no_entry() {
        cache.save(ALICE, Registrars.primaryOnly(PRIMARY));
        cache.forget(ALICE);

        assertThat(cache.find(ALICE)).isEmpty();
        assertThat(cache.find(Aor.parse("sip:bob@example.com"))).isEmpty();
    }
}
