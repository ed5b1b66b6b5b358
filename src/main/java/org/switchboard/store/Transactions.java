package org.switchboard.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.sql.SQLException;
import java.util.function.Function;

/** Units of work over JPA shared by the repositories: one transaction, rolled back on failure. */
final class Transactions {

    private Transactions() {
    }

    static <T> T inTransaction(EntityManagerFactory entities, Function<EntityManager, T> work) {
        EntityManager em = entities.createEntityManager();
        try {
            em.getTransaction().begin();
            T result = work.apply(em);
            em.getTransaction().commit();
            return result;
        } catch (RuntimeException e) {
            if (em.getTransaction().isActive()) {
                try {
                    em.getTransaction().rollback();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        } finally {
            em.close();
        }
    }

    /** A unique-key violation (SQLState 23505), on H2 and PostgreSQL alike. */
    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
