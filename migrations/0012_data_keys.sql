-- Envelope encryption (issue #12): every customer's data key, wrapped by a key-encryption key,
-- and the service's other wrapped secrets (the blind-index root).
--
-- Erasure destroys a customer's key by clearing the row (kept as a tombstone, so "erased" is
-- told apart from "created before encryption"): everything sealed with it, in the immutable
-- event log, in projections and anywhere else, can never be opened again. The old row version
-- lives on until VACUUM and in backups taken before; both still need the key-encryption key,
-- and backups must expire within the retention policy's margin (see the README).
CREATE TABLE customer_keys
(
    customer_guid text PRIMARY KEY,
    bank_guid     text        NOT NULL,
    -- Both NULL once destroyed.
    kek_id        text,
    wrapped_key   bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_at  timestamptz,
    CHECK ((kek_id IS NULL) = (wrapped_key IS NULL)),
    CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);

-- Rotation re-wraps the keys of one key-encryption key at a time.
CREATE INDEX customer_keys_by_kek ON customer_keys (kek_id) WHERE kek_id IS NOT NULL;

CREATE TABLE keyring
(
    name        text PRIMARY KEY,
    kek_id      text        NOT NULL,
    wrapped_key bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Document bytes are sealed under their customer's data key from now on; older rows stay
-- readable as they are. (size_bytes and sha256 describe the clear bytes.)
ALTER TABLE document_contents ADD COLUMN sealed boolean NOT NULL DEFAULT false;
