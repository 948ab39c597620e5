-- Side tables of the Customer aggregate: the tenant-unique external ids (written in the command's
-- transaction) and the read models the projector keeps (written with its checkpoint).

-- One row per (tenant, external id), inserted in the same transaction as the CustomerCreated
-- event: a concurrent second create with the same id waits on the primary key and then finds
-- the first customer's guid.
CREATE TABLE customer_external_ids
(
    bank_guid     text        NOT NULL,
    external_id   text        NOT NULL,
    customer_guid text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_guid, external_id)
);

-- The list/search projection: one row per customer, the fold of its events up to
-- last_sequence (which is at log position last_position). Written only by the projector,
-- in the transaction that advances its checkpoint.
CREATE TABLE customer_views
(
    customer_guid  text        PRIMARY KEY,
    bank_guid      text        NOT NULL,
    customer_type  text        NOT NULL,
    state          text        NOT NULL,
    labels         text[]      NOT NULL DEFAULT '{}',
    external_id    text,
    profile_status text        NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    last_sequence  bigint      NOT NULL CHECK (last_sequence >= 1),
    last_position  bigint      NOT NULL,
    -- The serialized kyc_domain::CustomerRecord.
    record         jsonb       NOT NULL
);

-- Lists are per tenant, newest first; the filters narrow the same order.
CREATE INDEX customer_views_by_bank ON customer_views (bank_guid, created_at DESC, customer_guid DESC);
CREATE INDEX customer_views_by_state ON customer_views (bank_guid, state, created_at DESC, customer_guid DESC);
CREATE INDEX customer_views_by_type ON customer_views (bank_guid, customer_type, created_at DESC, customer_guid DESC);
CREATE INDEX customer_views_by_label ON customer_views USING gin (labels);

-- Documents of every customer, for review queues ("pending documents of my bank").
CREATE TABLE document_views
(
    document_guid text        PRIMARY KEY,
    customer_guid text        NOT NULL,
    bank_guid     text        NOT NULL,
    kind          text        NOT NULL,
    status        text        NOT NULL,
    submitted_at  timestamptz NOT NULL,
    last_position bigint      NOT NULL
);

CREATE INDEX document_views_by_bank_status ON document_views (bank_guid, status, submitted_at);
CREATE INDEX document_views_by_customer ON document_views (customer_guid);
