-- Fresh tables for a rebuild, shaped like the live ones, in a schema of their own so that the
-- unchanged projector SQL (unqualified table names) writes there under a search_path.
CREATE SCHEMA IF NOT EXISTS kyc_rebuild;
CREATE TABLE IF NOT EXISTS kyc_rebuild.customer_views (LIKE public.customer_views INCLUDING ALL);
CREATE TABLE IF NOT EXISTS kyc_rebuild.document_views (LIKE public.document_views INCLUDING ALL);
