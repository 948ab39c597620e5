-- Puts the rebuilt tables in place of the live ones and retires the old ones. Runs in the
-- transaction that holds ACCESS EXCLUSIVE locks on the live tables.
CREATE SCHEMA IF NOT EXISTS kyc_retired;
DROP TABLE IF EXISTS kyc_retired.customer_views;
DROP TABLE IF EXISTS kyc_retired.document_views;
ALTER TABLE public.customer_views SET SCHEMA kyc_retired;
ALTER TABLE public.document_views SET SCHEMA kyc_retired;
ALTER TABLE kyc_rebuild.customer_views SET SCHEMA public;
ALTER TABLE kyc_rebuild.document_views SET SCHEMA public;
