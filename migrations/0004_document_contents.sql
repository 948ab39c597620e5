-- Bytes of uploaded documents (at most 15 MiB each), kept apart from the events that mention them.
CREATE TABLE document_contents
(
    document_guid text        PRIMARY KEY,
    bank_guid     text        NOT NULL,
    customer_guid text        NOT NULL,
    content       bytea       NOT NULL,
    sha256        text        NOT NULL,
    content_type  text        NOT NULL,
    size_bytes    bigint      NOT NULL CHECK (size_bytes <= 15728640),
    created_at    timestamptz NOT NULL DEFAULT now()
);
