-- Drivers are addressed by an opaque id in the API, the pages, the alerts and the exports:
-- a random UUID that says nothing about how many drivers there are or which one came next,
-- so counting through ids finds nobody. The integer id stays the internal key (foreign
-- keys, the search statements, the audit log); it is never shown outside the service.
ALTER TABLE driver ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE driver ADD CONSTRAINT driver_public_id_key UNIQUE (public_id);

-- A public id, once given, is the driver's for good: links in emails and other systems'
-- stored references must keep working.
CREATE FUNCTION driver_public_id_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a driver''s public id never changes' USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER driver_public_id_fixed BEFORE UPDATE OF public_id ON driver
    FOR EACH ROW WHEN (NEW.public_id IS DISTINCT FROM OLD.public_id)
    EXECUTE FUNCTION driver_public_id_fixed();
