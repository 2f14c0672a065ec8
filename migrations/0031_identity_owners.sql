-- Who may change who a driver is (docs/security.md V4), said once and held by the database:
-- the authorities with a live (current or suspended) licence for the driver or a register
-- entry about them; while there are none, the authority that recorded the driver.
-- registry/drivers.py asks identity_owners() before a change, to answer 409 naming the field;
-- the trigger refuses what gets past it: a recorded name, date of birth, sex or identifier
-- changed in a transaction acting for any other authority. Filling a blank is not a change
-- of who the driver is (an import adds an identifier the register lacked).
CREATE FUNCTION identity_owners(p_driver bigint) RETURNS SETOF integer
LANGUAGE sql STABLE AS $$
    WITH interested AS (
        SELECT authority_id FROM licence
        WHERE driver_id = p_driver AND status IN ('current', 'suspended')
        UNION
        SELECT authority_id FROM register_entry WHERE driver_id = p_driver
    )
    SELECT authority_id FROM interested
    UNION ALL
    SELECT recorded_by_authority_id FROM driver
    WHERE id = p_driver AND NOT EXISTS (SELECT FROM interested)
$$;

CREATE FUNCTION refuse_identity_change_by_non_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    acting integer := nullif(current_setting('crosscheck.actor_authority_id', true), '')::integer;
BEGIN
    IF acting IS NULL THEN
        RETURN NEW;  -- the system (a job, the command line) or no actor named
    END IF;
    IF (OLD.forenames, OLD.surname, OLD.date_of_birth)
           IS NOT DISTINCT FROM (NEW.forenames, NEW.surname, NEW.date_of_birth)
       AND (OLD.sex IS NULL OR OLD.sex IS NOT DISTINCT FROM NEW.sex)
       AND (OLD.gb_licence_number IS NULL
            OR OLD.gb_licence_number IS NOT DISTINCT FROM NEW.gb_licence_number)
       AND (OLD.ni_licence_number IS NULL
            OR OLD.ni_licence_number IS NOT DISTINCT FROM NEW.ni_licence_number)
       AND (OLD.ni_number IS NULL OR OLD.ni_number IS NOT DISTINCT FROM NEW.ni_number)
       AND (OLD.eu_licence_number IS NULL
            OR (OLD.eu_licence_number, OLD.eu_licence_country)
               IS NOT DISTINCT FROM (NEW.eu_licence_number, NEW.eu_licence_country)) THEN
        RETURN NEW;  -- who the driver is stays as recorded (blanks may be filled)
    END IF;
    IF acting IN (SELECT identity_owners(OLD.id)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'only an authority that owns a driver''s identity may change it'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER driver_identity_owned BEFORE UPDATE ON driver
FOR EACH ROW EXECUTE FUNCTION refuse_identity_change_by_non_owner();
