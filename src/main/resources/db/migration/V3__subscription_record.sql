-- Bridged subscriptions, one row per direction (PRODUCT.md §E). version grows with every change: a write
-- applies only over a lower version. last_recovered_at orders recovery (never recovered first).
CREATE TABLE subscription_record (
    id                VARCHAR(36)              NOT NULL PRIMARY KEY,
    direction         VARCHAR(16)              NOT NULL,
    sip_aor           VARCHAR(512)             NOT NULL,
    xmpp_jid          VARCHAR(512)             NOT NULL,
    state             VARCHAR(16)              NOT NULL,
    activated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    last_recovered_at TIMESTAMP WITH TIME ZONE,
    version           BIGINT                   NOT NULL,
    call_id           VARCHAR(256)             NOT NULL,
    local_tag         VARCHAR(128)             NOT NULL,
    remote_tag        VARCHAR(128)             NOT NULL,
    local_cseq        BIGINT                   NOT NULL,
    remote_cseq       BIGINT                   NOT NULL,
    route_set         VARCHAR(4096)            NOT NULL,
    remote_target     VARCHAR(512)             NOT NULL,
    expires_at        TIMESTAMP WITH TIME ZONE,
    CONSTRAINT subscription_record_key UNIQUE (direction, sip_aor, xmpp_jid)
);
CREATE INDEX subscription_record_recovery ON subscription_record (last_recovered_at, id);
