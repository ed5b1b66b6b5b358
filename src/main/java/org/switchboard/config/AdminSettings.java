package org.switchboard.config;

/**
 * Who may use the status page, the JSON API and the metrics. With no username or no password hash the
 * whole admin HTTP surface refuses every request: it is never open.
 *
 * @param username            the operator's user name
 * @param passwordHash        the password as a self-describing PBKDF2 hash ({@code pbkdf2-sha256$iterations$salt$hash},
 *                            made by {@code deploy/run --hash-password}); never the password itself
 * @param sessionIdleMinutes  a status-page login lapses after this long without a request
 */
public record AdminSettings(String username, @Secret String passwordHash, int sessionIdleMinutes) {

    static AdminSettings defaults() {
        return new AdminSettings("", "", 30);
    }

    /** Both a username and a password hash are set. */
    public boolean configured() {
        return username != null && !username.isEmpty() && passwordHash != null && !passwordHash.isEmpty();
    }

    /** As a record prints itself, with the secret masked (this text may reach a log). */
    @Override
    public String toString() {
        return Secrets.describe(this);
    }
}
