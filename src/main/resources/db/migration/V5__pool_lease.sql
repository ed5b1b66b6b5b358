-- The members of a pool sharing this database (PRODUCT.md §X), each renewing its membership: a member whose
-- lease_expires_at has passed (or that is GONE) holds nothing any more, and its leases may be taken over.
CREATE TABLE pool_member (
    instance_id      VARCHAR(36)              NOT NULL PRIMARY KEY,
    address          VARCHAR(256)             NOT NULL,
    state            VARCHAR(16)              NOT NULL,
    lease_expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    renewed_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at       TIMESTAMP WITH TIME ZONE NOT NULL
);
-- One row per piece of work done by one member at a time (a registration, a view's target, the XMPP bridge).
-- owner_id NULL: free. epoch grows with every change of owner; every change is conditional on the epoch read.
CREATE TABLE pool_lease (
    kind        VARCHAR(16)              NOT NULL,
    item_key    VARCHAR(1024)            NOT NULL,
    owner_id    VARCHAR(36),
    epoch       BIGINT                   NOT NULL,
    changed_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (kind, item_key)
);
