-- How many events lie in the position range ($1, $2]: e.g. a consumer's backlog.
SELECT count(*)
  FROM events
 WHERE global_position > $1 AND global_position <= $2
