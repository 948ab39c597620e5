-- Reads the checkpoint and locks it until the end of the caller's transaction.
SELECT position
  FROM checkpoints
 WHERE name = $1
   FOR UPDATE
