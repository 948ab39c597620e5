-- Idempotency records keep the command's typed outcome, not an HTTP answer: the application
-- no longer chooses status codes, so NATS and HTTP replay the same stored outcome each in its
-- own protocol. `outcome` is `{"Ok": {created, customer}}` or `{"Err": {kind, code, message,
-- errors}}`; a claimed key whose command has not committed yet has no outcome.
ALTER TABLE idempotency_records ADD COLUMN outcome jsonb;

UPDATE idempotency_records
   SET outcome = CASE
       WHEN response_status < 300 THEN jsonb_build_object('Ok', jsonb_build_object(
           'created', response_status = 201,
           'customer', response_body))
       ELSE jsonb_build_object('Err', jsonb_build_object(
           'kind', CASE response_status
                       WHEN 400 THEN 'malformed'
                       WHEN 401 THEN 'unauthenticated'
                       WHEN 403 THEN 'forbidden'
                       WHEN 404 THEN 'not_found'
                       WHEN 409 THEN 'conflict'
                       WHEN 413 THEN 'too_large'
                       WHEN 422 THEN 'invalid'
                       WHEN 503 THEN 'unavailable'
                       ELSE 'internal' END,
           'code', response_body ->> 'message_code',
           'message', response_body ->> 'error_message',
           'errors', COALESCE(response_body -> 'errors', '[]'::jsonb)))
   END
 WHERE response_status IS NOT NULL;

ALTER TABLE idempotency_records DROP COLUMN response_status, DROP COLUMN response_body;
