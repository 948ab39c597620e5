-- Fresh tables for a rebuild, shaped like the live ones, in a schema of their own so that the
-- unchanged projector SQL (unqualified table names) writes there under a search_path.
-- Only the primary keys (which the upserts need) are created now; the other indexes are built
-- once, in bulk, before the swap (rebuild_indexes.sql), which is far cheaper than keeping them
-- up to date row by row.
CREATE SCHEMA IF NOT EXISTS kyc_rebuild;
CREATE TABLE IF NOT EXISTS kyc_rebuild.customer_views
    (LIKE public.customer_views INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION,
     PRIMARY KEY (customer_guid));
CREATE TABLE IF NOT EXISTS kyc_rebuild.document_views
    (LIKE public.document_views INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION,
     PRIMARY KEY (document_guid));
