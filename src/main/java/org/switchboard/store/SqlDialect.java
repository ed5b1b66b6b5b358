package org.switchboard.store;

/** The two databases Switchboard runs on, and the statements that differ between them. */
enum SqlDialect {
    H2 {
        @Override
        String conditionalPresenceWrite() {
            return """
                    MERGE INTO presence_state t
                    USING (SELECT CAST(? AS VARCHAR) AS presentity, CAST(? AS VARCHAR) AS category,
                                  CAST(? AS BIGINT) AS publish_time, CAST(? AS BIGINT) AS digest,
                                  CAST(? AS VARCHAR) AS content_type, CAST(? AS VARCHAR) AS document,
                                  CAST(? AS VARCHAR) AS source_pool, CAST(? AS TIMESTAMP WITH TIME ZONE) AS stored_at) s
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
        @Override
        String upsertSubscriptionRecord() {
            // Untyped VARCHAR casts: a cast to the column's length would cut a longer value silently; the
            // column itself refuses it.
            return """
                    MERGE INTO subscription_record t
                    USING (SELECT CAST(? AS VARCHAR) AS id, CAST(? AS VARCHAR) AS direction, CAST(? AS VARCHAR) AS sip_aor,
                                  CAST(? AS VARCHAR) AS xmpp_jid, CAST(? AS VARCHAR) AS state,
                                  CAST(? AS TIMESTAMP WITH TIME ZONE) AS activated_at,
                                  CAST(? AS TIMESTAMP WITH TIME ZONE) AS last_recovered_at, CAST(? AS BIGINT) AS version,
                                  CAST(? AS VARCHAR) AS call_id, CAST(? AS VARCHAR) AS local_tag, CAST(? AS VARCHAR) AS remote_tag,
                                  CAST(? AS BIGINT) AS local_cseq, CAST(? AS BIGINT) AS remote_cseq, CAST(? AS VARCHAR) AS route_set,
                                  CAST(? AS VARCHAR) AS remote_target, CAST(? AS TIMESTAMP WITH TIME ZONE) AS expires_at) s
                    ON t.id = s.id
                    WHEN MATCHED AND t.version < s.version THEN
                      UPDATE SET direction = s.direction, sip_aor = s.sip_aor, xmpp_jid = s.xmpp_jid, state = s.state,
                                 activated_at = s.activated_at, last_recovered_at = s.last_recovered_at, version = s.version,
                                 call_id = s.call_id, local_tag = s.local_tag, remote_tag = s.remote_tag,
                                 local_cseq = s.local_cseq, remote_cseq = s.remote_cseq, route_set = s.route_set,
                                 remote_target = s.remote_target, expires_at = s.expires_at
                    WHEN NOT MATCHED THEN
                      INSERT (id, direction, sip_aor, xmpp_jid, state, activated_at, last_recovered_at, version, call_id,
                              local_tag, remote_tag, local_cseq, remote_cseq, route_set, remote_target, expires_at)
                      VALUES (s.id, s.direction, s.sip_aor, s.xmpp_jid, s.state, s.activated_at, s.last_recovered_at, s.version,
                              s.call_id, s.local_tag, s.remote_tag, s.local_cseq, s.remote_cseq, s.route_set, s.remote_target,
                              s.expires_at)
                    """;
        }

        @Override
        String stalestSubscriptionRecords() {
            // H2 compares VARCHAR by UTF-16 code unit unless a collation is set: byte order for ASCII ids.
            return STALEST_SUBSCRIPTION_RECORDS.formatted("id");
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
        @Override
        String upsertSubscriptionRecord() {
            return """
                    INSERT INTO subscription_record (id, direction, sip_aor, xmpp_jid, state, activated_at, last_recovered_at,
                                                     version, call_id, local_tag, remote_tag, local_cseq, remote_cseq, route_set,
                                                     remote_target, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE
                      SET direction = EXCLUDED.direction, sip_aor = EXCLUDED.sip_aor, xmpp_jid = EXCLUDED.xmpp_jid,
                          state = EXCLUDED.state, activated_at = EXCLUDED.activated_at,
                          last_recovered_at = EXCLUDED.last_recovered_at, version = EXCLUDED.version,
                          call_id = EXCLUDED.call_id, local_tag = EXCLUDED.local_tag, remote_tag = EXCLUDED.remote_tag,
                          local_cseq = EXCLUDED.local_cseq, remote_cseq = EXCLUDED.remote_cseq,
                          route_set = EXCLUDED.route_set, remote_target = EXCLUDED.remote_target,
                          expires_at = EXCLUDED.expires_at
                      WHERE subscription_record.version < EXCLUDED.version
                    """;
        }

        @Override
        String stalestSubscriptionRecords() {
            // Ties by id in byte order, as on H2, whatever the database's collation.
            return STALEST_SUBSCRIPTION_RECORDS.formatted("id COLLATE \"C\"");
        }
    };

    /**
     * Stores a presence update only when it is newer than the stored one, in one statement (never
     * read-then-write). Parameters: presentity, category, publish time, digest, content type, document,
     * source pool, stored at. Updates one row when it applied, none when the stored row was newer or equal.
     */
    abstract String conditionalPresenceWrite();

    /**
     * Stores a subscription record unless the stored one has the same or a higher version, in one statement
     * (never read-then-write). Parameters, in the table's column order: id, direction, sip aor, xmpp jid,
     * state, activated at, last recovered at, version, call id, local tag, remote tag, local cseq, remote
     * cseq, route set, remote target, expires at. Updates one row when it applied, none otherwise. Another
     * id with the same (direction, sip aor, xmpp jid) violates the table's unique key (SQLState 23505).
     */
    abstract String upsertSubscriptionRecord();

    /**
     * The next records a recovery run has to recover, stalest first: never recovered, then by last recovery,
     * then by id in byte order. Parameters: the run's start, the batch size.
     */
    abstract String stalestSubscriptionRecords();

    private static final String STALEST_SUBSCRIPTION_RECORDS = """
            SELECT id, direction, sip_aor, xmpp_jid, state, activated_at, last_recovered_at, version, call_id, local_tag,
                   remote_tag, local_cseq, remote_cseq, route_set, remote_target, expires_at
            FROM subscription_record
            WHERE last_recovered_at IS NULL OR last_recovered_at < ?
            ORDER BY last_recovered_at ASC NULLS FIRST, %s
            LIMIT ?
            """;

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
