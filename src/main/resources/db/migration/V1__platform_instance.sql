-- Who this instance is across restarts (one row per database).
CREATE TABLE platform_instance (
    instance_id     VARCHAR(36)              NOT NULL PRIMARY KEY,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    last_started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    start_count     INTEGER                  NOT NULL
);
