package org.switchboard.config;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The database. An empty {@code url} means the embedded H2 file in the data directory; otherwise a
 * JDBC URL of H2 ({@code jdbc:h2:…}) or PostgreSQL ({@code jdbc:postgresql://host:port/db}), the
 * production choice and the one several instances share.
 */
public record DatabaseSettings(String url, String username, @Secret String password, int maxPoolSize, int connectTimeoutSeconds) {

    static DatabaseSettings defaults() {
        return new DatabaseSettings("", "", "", 10, 5);
    }

    @JsonIgnore
    public boolean isEmbedded() {
        return url == null || url.isBlank();
    }

    /** As a record prints itself, with the secret masked (this text may reach a log). */
    @Override
    public String toString() {
        return Secrets.describe(this);
    }
}
