-- Sanctions and PEP lists (issue #14). Lists are the service's, imported by its operators
-- (kycctl lists import); each tenant's policy says which of them it screens against and at
-- which threshold. A list is a series of versions; the newest version of each list is the one
-- screened against. Entries are public data (what the list publishes), stored in clear.
CREATE TABLE screening_list_versions (
    version      bigserial   PRIMARY KEY,
    list         text        NOT NULL,
    format       text        NOT NULL,
    published_on date,
    -- SHA-256 of the imported bytes: importing the newest version's file again adds nothing.
    content_hash text        NOT NULL,
    entry_count  integer     NOT NULL,
    imported_at  timestamptz NOT NULL
);

CREATE INDEX screening_list_versions_by_list ON screening_list_versions (list, version DESC);

CREATE TABLE screening_list_entries (
    version     bigint NOT NULL REFERENCES screening_list_versions ON DELETE CASCADE,
    -- The source list's own identifier (OFAC uid, UN reference number, EU logical id,
    -- FollowTheMoney id), unique within a version.
    entry_id    text   NOT NULL,
    -- kyc_screening::ListEntry::fingerprint: equal across versions while the entry is unchanged.
    fingerprint text   NOT NULL,
    entry       jsonb  NOT NULL,
    PRIMARY KEY (version, entry_id)
);

-- What a re-screening after an import did: the report kycctl prints, kept for audit.
CREATE TABLE screening_runs (
    run_id      bigserial   PRIMARY KEY,
    version     bigint      NOT NULL REFERENCES screening_list_versions ON DELETE CASCADE,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    screened    bigint      NOT NULL,
    alerted     bigint      NOT NULL,
    failed      bigint      NOT NULL
);
