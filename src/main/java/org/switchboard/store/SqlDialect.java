package org.switchboard.store;

/** The two databases Switchboard runs on, and the statements that differ between them. */
enum SqlDialect {
    H2 {
        @Override
        String conditionalPresenceWrite() {
            return """
                    MERGE INTO presence_state t
                    USING (SELECT CAST(? AS VARCHAR(512)) AS presentity, CAST(? AS VARCHAR(256)) AS category,
                                  CAST(? AS BIGINT) AS publish_time, CAST(? AS BIGINT) AS digest,
                                  CAST(? AS VARCHAR(128)) AS content_type, CAST(? AS VARCHAR(1048576)) AS document,
                                  CAST(? AS VARCHAR(64)) AS source_pool, CAST(? AS TIMESTAMP WITH TIME ZONE) AS stored_at) s
                    ON t.presentity = s.presentity AND t.category = s.category
                    WHEN MATCHED AND (t.publish_time < s.publish_time
                                      OR (t.publish_time = s.publish_time AND t.digest < s.digest)) THEN
                      UPDATE SET publish_time = s.publish_time, digest = s.digest, content_type = s.content_type,
                                 document = s.document, source_pool = s.source_pool, stored_at = s.stored_at
                    WHEN NOT MATCHED THEN
                      INSERT (presentity, category, publish_time, digest, content_type, document, source_pool, stored_at)
                      VALUES (s.presentity, s.category, s.publish_time, s.digest, s.content_type, s.document, s.source_pool, s.stored_at)
                    """;
        }
    },
    POSTGRESQL {
        @Override
        String conditionalPresenceWrite() {
            return """
                    INSERT INTO presence_state (presentity, category, publish_time, digest, content_type, document, source_pool, stored_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (presentity, category) DO UPDATE
                      SET publish_time = EXCLUDED.publish_time, digest = EXCLUDED.digest, content_type = EXCLUDED.content_type,
                          document = EXCLUDED.document, source_pool = EXCLUDED.source_pool, stored_at = EXCLUDED.stored_at
                      WHERE presence_state.publish_time < EXCLUDED.publish_time
                         OR (presence_state.publish_time = EXCLUDED.publish_time AND presence_state.digest < EXCLUDED.digest)
                    """;
        }
    };

    /**
     * Stores a presence update only when it is newer than the stored one, in one statement (never
     * read-then-write). Parameters: presentity, category, publish time, digest, content type, document,
     * source pool, stored at. Updates one row when it applied, none when the stored row was newer or equal.
     */
    abstract String conditionalPresenceWrite();

    static SqlDialect of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return H2;
        }
        throw new IllegalArgumentException("unsupported database URL " + jdbcUrl + " (H2 and PostgreSQL are supported)");
    }
}
