-- Every audit row is written in a transaction that names who acts (docs/security.md V7).
-- acting_as() names the actor for the rest of the transaction: registry.actor.acting() calls
-- it when its transaction opens, and a statement that reads and audits in one (a search, a
-- record opened) calls it in the row it inserts, so it stays one round trip. audit_write()
-- now refuses a row in a transaction that named no actor, as well as a row naming a user
-- other than the actor. A system row (an alert job, the CLI, an import, the retention purge)
-- is one whose actor has no user: its user_id is NULL, and it may name no user either.
CREATE FUNCTION acting_as(p_user integer, p_authority integer) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('crosscheck.actor_user_id', coalesce(p_user::text, ''), true),
            set_config('crosscheck.actor_authority_id', coalesce(p_authority::text, ''), true),
            set_config('crosscheck.acting', 'on', true);
    RETURN p_user;
END $$;

CREATE OR REPLACE FUNCTION audit_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    acting integer := actor();
BEGIN
    IF current_setting('crosscheck.acting', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'an audit row must be written in a transaction that names who acts'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM acting THEN
        RAISE EXCEPTION 'an audit row must name the user acting in its transaction'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO audit_log (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    VALUES (acting, NEW.authority_id, NEW.action, NEW.purpose, NEW.case_reference,
            NEW.driver_id, NEW.search_id, coalesce(NEW.subject, ''), coalesce(NEW.detail, '{}'))
    RETURNING id, user_id INTO NEW.id, NEW.user_id;
    RETURN NEW;
END $$;
