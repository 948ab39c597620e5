-- Blind indexes: a keyed digest (HMAC-SHA256 under a key derived per tenant and kind, see
-- kyc-crypto's BlindIndexKey) of each customer's normalised email, phone, tax and
-- identification numbers. Equal values of one tenant have equal digests; the values themselves
-- are never stored here, and another tenant's digest of the same value differs.
--
-- Written by commands in their own transaction, after the events (which must come first).
-- Customers created before this table have no rows until their next change of these fields.
CREATE TABLE customer_blind_index (
    bank_guid     text NOT NULL,
    kind          text NOT NULL,
    digest        text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    customer_guid text NOT NULL,
    PRIMARY KEY (bank_guid, kind, digest, customer_guid)
);

CREATE INDEX customer_blind_index_customer ON customer_blind_index (customer_guid);
