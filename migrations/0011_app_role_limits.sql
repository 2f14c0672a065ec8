-- Fail fast: time limits for the service's role, in this database. The service's pools set
-- tighter ones per connection (licensing/db.py: requests 10 s, imports and jobs 10 min);
-- these are the backstop for any other login as crosscheck_app (a script, a console), so no
-- session of the role can hold a lock or a transaction open indefinitely.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE crosscheck_app IN DATABASE %I SET statement_timeout = %L',
                   current_database(), '10min');
    EXECUTE format('ALTER ROLE crosscheck_app IN DATABASE %I SET lock_timeout = %L',
                   current_database(), '1min');
    EXECUTE format('ALTER ROLE crosscheck_app IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   current_database(), '1min');
END $$;
