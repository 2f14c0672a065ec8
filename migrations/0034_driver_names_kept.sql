-- Removing a name a driver is known by hides them from a search under it (a revoked driver's
-- former name, another council's spelling), so it belongs to the same owners as adding one
-- (migration 0033). No code path removes a name; this refuses one removed in a transaction
-- acting for an authority that does not own the driver's identity. The system (no authority
-- named) and an import pass, as they do for a name added.
CREATE OR REPLACE FUNCTION refuse_name_by_non_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    acting integer := nullif(current_setting('crosscheck.actor_authority_id', true), '')::integer;
BEGIN
    IF acting IS NULL OR current_setting('crosscheck.source', true) = 'import' THEN
        RETURN coalesce(NEW, OLD);
    END IF;
    IF TG_OP = 'UPDATE'
       AND (OLD.driver_id, OLD.kind, OLD.forenames, OLD.surname, OLD.date_of_birth)
           IS NOT DISTINCT FROM
           (NEW.driver_id, NEW.kind, NEW.forenames, NEW.surname, NEW.date_of_birth) THEN
        RETURN NEW;
    END IF;
    IF acting IN (SELECT identity_owners(coalesce(NEW.driver_id, OLD.driver_id))) THEN
        RETURN coalesce(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'only an authority that owns a driver''s identity may add, change or remove a name they are known by'
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER driver_name_owned ON driver_name;
CREATE TRIGGER driver_name_owned BEFORE INSERT OR UPDATE OR DELETE ON driver_name
FOR EACH ROW EXECUTE FUNCTION refuse_name_by_non_owner();
