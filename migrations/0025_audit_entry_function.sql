-- The service adds audit rows only through audit_write() (docs/security.md V7): it may no
-- longer INSERT into audit_log. It inserts into the view audit_entry instead, whose INSTEAD OF
-- trigger runs audit_write() as the owner. The function takes who acted from the transaction's
-- actor (crosscheck.actor_user_id, set by registry.actor.acting()) and refuses a row naming
-- anyone else; only a statement outside any acting() transaction (a search, a record opened)
-- names its user itself. The time, the id and the retention date are the database's own, so no
-- row can be backdated or given a shorter life.
CREATE VIEW audit_entry AS
SELECT id, user_id, authority_id, action, purpose, case_reference, driver_id, search_id, subject,
       detail
FROM audit_log;

CREATE FUNCTION audit_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    acting integer := actor();
BEGIN
    IF acting IS NOT NULL AND NEW.user_id IS NOT NULL AND NEW.user_id <> acting THEN
        RAISE EXCEPTION 'an audit row must name the user acting in its transaction'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO audit_log (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    VALUES (coalesce(acting, NEW.user_id), NEW.authority_id, NEW.action, NEW.purpose,
            NEW.case_reference, NEW.driver_id, NEW.search_id, coalesce(NEW.subject, ''),
            coalesce(NEW.detail, '{}'))
    RETURNING id, user_id INTO NEW.id, NEW.user_id;
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION audit_write() FROM PUBLIC;

CREATE TRIGGER audit_entry_write INSTEAD OF INSERT ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_write();

REVOKE INSERT ON audit_log FROM crosscheck_app;
GRANT INSERT ON audit_entry TO crosscheck_app;
