package org.switchboard.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A user's cached primary and backup registrar. */
@Entity
@Table(name = "registrar_cache")
class RegistrarCacheRow {

    @Id
    @Column(name = "user_aor", nullable = false)
    String userAor;

    @Column(name = "primary_registrar", nullable = false)
    String primaryRegistrar;

    @Column(name = "backup_registrar")
    String backupRegistrar;

    @Column(name = "updated_at", nullable = false)
    OffsetDateTime updatedAt;
}
