-- The registrars each user was last sent to (PRODUCT.md §G): the next sign-in goes to the primary directly,
-- and the home pool is found again (SRV, 301) only when it fails. One row per user, shared by the user's endpoints.
CREATE TABLE registrar_cache (
    user_aor          VARCHAR(512)             NOT NULL PRIMARY KEY,
    primary_registrar VARCHAR(512)             NOT NULL,
    backup_registrar  VARCHAR(512),
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
