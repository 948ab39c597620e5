-- customer_views.record becomes json (text kept as written) compressed with lz4.
--
-- The record is a document the service writes and reads whole; nothing queries inside it. As
-- jsonb, every write parsed it into the binary form and every read printed it back to text, and
-- pglz compressed it (records are ~2 KB, just over the TOAST threshold). Measured on 22,000
-- seeded records on the 2-core development machine: INSERT 1.81 s as jsonb/pglz vs 0.76 s as
-- json/lz4, reading them back 0.72 s vs 0.26 s. A projection rebuild writes every record, and
-- lists read them, so both get faster.
ALTER TABLE customer_views ALTER COLUMN record TYPE json USING record::json;

-- lz4 exists only in servers built with it (PostgreSQL's Debian and Docker builds are); others
-- keep their default compression.
DO $$
BEGIN
    ALTER TABLE customer_views ALTER COLUMN record SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available; customer_views.record keeps the default compression';
END;
$$;
