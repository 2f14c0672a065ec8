-- A driver's other names are who they are found as, so they belong to the same authorities
-- as the rest of who the driver is (identity_owners(), migration 0031): an authority with no
-- part in a driver could otherwise give them someone else's name and date of birth, and a
-- search for that person would find this driver. registry/drivers.py asks first, to answer
-- 409 naming the field; this refuses what gets past it: a name added to a driver, or one
-- rewritten, in a transaction acting for any other authority.
--
-- As with the identity trigger, a transaction that names no authority is the system (a
-- scheduled job, the command line, the seed, a migration). An import acts for its authority
-- but is kept by its own rules (docs/import-format.md): it links a driver only by an
-- identifier and adds that file's spelling as an alias, so its transaction (marked
-- crosscheck.source = 'import', migration 0003) passes too.
CREATE FUNCTION refuse_name_by_non_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    acting integer := nullif(current_setting('crosscheck.actor_authority_id', true), '')::integer;
BEGIN
    IF acting IS NULL OR current_setting('crosscheck.source', true) = 'import' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (OLD.driver_id, OLD.kind, OLD.forenames, OLD.surname, OLD.date_of_birth)
           IS NOT DISTINCT FROM
           (NEW.driver_id, NEW.kind, NEW.forenames, NEW.surname, NEW.date_of_birth) THEN
        RETURN NEW;
    END IF;
    IF acting IN (SELECT identity_owners(NEW.driver_id)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'only an authority that owns a driver''s identity may add or change a name they are known by'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER driver_name_owned BEFORE INSERT OR UPDATE ON driver_name
FOR EACH ROW EXECUTE FUNCTION refuse_name_by_non_owner();
