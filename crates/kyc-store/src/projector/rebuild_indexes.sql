-- The live tables' secondary indexes, as statements that create them on the rebuilt tables.
SELECT replace(indexdef, ' ON public.', ' ON kyc_rebuild.') AS statement
  FROM pg_indexes
 WHERE schemaname = 'public'
   AND tablename IN ('customer_views', 'document_views')
   AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')
