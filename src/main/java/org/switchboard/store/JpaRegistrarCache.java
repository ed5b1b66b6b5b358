package org.switchboard.store;

import static org.switchboard.store.Transactions.inTransaction;
import static org.switchboard.store.Transactions.isUniqueViolation;

import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Optional;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;
import org.switchboard.registration.RegistrarCache;
import org.switchboard.registration.Registrars;

/** The registrar cache table, through JPA: one row per user, the last writer wins. */
final class JpaRegistrarCache implements RegistrarCache {

    private final EntityManagerFactory entities;
    private final Clock clock;

    JpaRegistrarCache(EntityManagerFactory entities, Clock clock) {
        this.entities = entities;
        this.clock = clock;
    }

    @Override
    public Optional<Registrars> find(Aor user) {
        RegistrarCacheRow row = inTransaction(entities, em -> em.find(RegistrarCacheRow.class, user.toString()));
        if (row == null) {
            return Optional.empty();
        }
        return Optional.of(new Registrars(SipUri.parse(row.primaryRegistrar),
                Optional.ofNullable(row.backupRegistrar).map(SipUri::parse)));
    }

    @Override
    public void save(Aor user, Registrars registrars) {
        try {
            write(user, registrars);
        } catch (PersistenceException e) {
            // Another instance inserted the same user's row meanwhile: run again, now as an update.
            if (isUniqueViolation(e)) {
                write(user, registrars);
                return;
            }
            throw e;
        }
    }

    private void write(Aor user, Registrars registrars) {
        inTransaction(entities, em -> {
            RegistrarCacheRow row = em.find(RegistrarCacheRow.class, user.toString());
            boolean fresh = row == null;
            if (fresh) {
                row = new RegistrarCacheRow();
                row.userAor = user.toString();
            }
            row.primaryRegistrar = registrars.primary().toString();
            row.backupRegistrar = registrars.backup().map(SipUri::toString).orElse(null);
            row.updatedAt = clock.instant().atOffset(ZoneOffset.UTC);
            if (fresh) {
                em.persist(row);
            }
            return null;
        });
    }

    @Override
    public void forget(Aor user) {
        inTransaction(entities, em -> em.createQuery("DELETE FROM RegistrarCacheRow r WHERE r.userAor = :user")
                .setParameter("user", user.toString()).executeUpdate());
    }
}
