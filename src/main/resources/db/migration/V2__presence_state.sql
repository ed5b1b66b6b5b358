-- Presence by presentity and category, in publish-time order across pools (one row per key).
-- publish_time: the publisher's publish time in epoch microseconds (-9223372036854775808 = none given);
-- digest: first 64 bits of SHA-256 of content type and document, the tie-breaker on equal publish times.
-- Rows are written only by one conditional statement that applies when the stored row is older.
CREATE TABLE presence_state (
    presentity   VARCHAR(512)             NOT NULL,
    category     VARCHAR(256)             NOT NULL,
    publish_time BIGINT                   NOT NULL,
    digest       BIGINT                   NOT NULL,
    content_type VARCHAR(128)             NOT NULL,
    document     VARCHAR(1048576)         NOT NULL,
    source_pool  VARCHAR(64)              NOT NULL,
    stored_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (presentity, category)
);
