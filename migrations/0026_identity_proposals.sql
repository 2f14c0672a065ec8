-- Identity changes respect ownership (registry/identity_proposals.py, docs/domain.md).
--
-- 1. Former identifiers: when a driver's GB or NI licence number or NI number changes, the
--    old value is kept here, so an identifier search with it still finds the driver (marked
--    as a former identifier), as a changed name is kept in driver_name.
CREATE TABLE driver_former_identifier (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_id bigint NOT NULL REFERENCES driver (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('gb_licence', 'ni_licence', 'ni_number')),
    value text NOT NULL CHECK (length(value) BETWEEN 1 AND 40),
    replaced_at timestamptz NOT NULL DEFAULT now(),
    replaced_by_authority_id integer REFERENCES authority (id),
    UNIQUE (driver_id, kind, value)
);
CREATE INDEX driver_former_identifier_value ON driver_former_identifier (kind, value);

-- 2. Every change to a driver's identity fields is a driver_amended event whose detail names
--    the fields (never their values), so the alert rules can tell the other authorities with
--    an interest (alert kind identity_changed). A move and an identity change in one update
--    raise both events.
CREATE OR REPLACE FUNCTION driver_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    acting integer := nullif(current_setting('crosscheck.actor_authority_id', true), '')::integer;
    identity text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_event('driver_recorded', NEW.id, NEW.recorded_by_authority_id, NEW.id,
                             jsonb_build_object('home_authority_id', NEW.home_authority_id));
        RETURN NEW;
    END IF;
    identity := array_remove(ARRAY[
        CASE WHEN NEW.forenames IS DISTINCT FROM OLD.forenames THEN 'forenames' END,
        CASE WHEN NEW.surname IS DISTINCT FROM OLD.surname THEN 'surname' END,
        CASE WHEN NEW.date_of_birth IS DISTINCT FROM OLD.date_of_birth THEN 'date_of_birth' END,
        CASE WHEN NEW.sex IS DISTINCT FROM OLD.sex THEN 'sex' END,
        CASE WHEN NEW.gb_licence_number IS DISTINCT FROM OLD.gb_licence_number
             THEN 'gb_licence_number' END,
        CASE WHEN NEW.ni_licence_number IS DISTINCT FROM OLD.ni_licence_number
             THEN 'ni_licence_number' END,
        CASE WHEN NEW.ni_number IS DISTINCT FROM OLD.ni_number THEN 'ni_number' END,
        CASE WHEN NEW.eu_licence_number IS DISTINCT FROM OLD.eu_licence_number
             THEN 'eu_licence_number' END,
        CASE WHEN NEW.eu_licence_country IS DISTINCT FROM OLD.eu_licence_country
             THEN 'eu_licence_country' END], NULL);
    INSERT INTO driver_former_identifier (driver_id, kind, value, replaced_by_authority_id)
    SELECT NEW.id, f.kind, f.value, acting
    FROM (VALUES ('gb_licence', OLD.gb_licence_number, NEW.gb_licence_number),
                 ('ni_licence', OLD.ni_licence_number, NEW.ni_licence_number),
                 ('ni_number', OLD.ni_number, NEW.ni_number)) AS f (kind, value, new_value)
    WHERE f.value IS NOT NULL AND f.value IS DISTINCT FROM f.new_value
    ON CONFLICT (driver_id, kind, value) DO NOTHING;
    IF NEW.home_authority_id IS DISTINCT FROM OLD.home_authority_id THEN
        PERFORM record_event('driver_moved', NEW.id, coalesce(acting, NEW.recorded_by_authority_id), NEW.id,
                             jsonb_build_object('from_authority_id', OLD.home_authority_id,
                                                'home_authority_id', NEW.home_authority_id));
    END IF;
    IF cardinality(identity) > 0 THEN
        PERFORM record_event('driver_amended', NEW.id, coalesce(acting, NEW.recorded_by_authority_id), NEW.id,
                             jsonb_build_object('identity', to_jsonb(identity)));
    ELSIF NEW.home_authority_id IS NOT DISTINCT FROM OLD.home_authority_id
          AND ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        PERFORM record_event('driver_amended', NEW.id, coalesce(acting, NEW.recorded_by_authority_id), NEW.id, '{}');
    END IF;
    RETURN NEW;
END $$;

ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN (
    'out_of_area_licence', 'register_decision', 'decision_changed', 'licence_suspended',
    'licence_revoked', 'safeguarding_concern', 'information_request', 'request_due_soon',
    'request_overdue', 'resident_moved', 'access_flagged', 'rescreen_match',
    'identity_changed'));        -- another authority changed the name, date of birth or an identifier

-- 3. A change to identity fields proposed by an authority that does not own them, for one of
--    the owning authorities (a current licence or a register entry) to accept or reject.
--    `changes` holds the proposed values by field name (personal data, like the driver row).
CREATE TABLE identity_proposal (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_id bigint NOT NULL REFERENCES driver (id) ON DELETE CASCADE,
    proposed_by_authority_id integer NOT NULL REFERENCES authority (id),
    proposed_by_user_id integer REFERENCES app_user (id),
    proposed_at timestamptz NOT NULL DEFAULT now(),
    changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object' AND changes <> '{}'),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_by_authority_id integer REFERENCES authority (id),
    decided_by_user_id integer REFERENCES app_user (id),
    decided_at timestamptz,
    decision_note text CHECK (length(decision_note) <= 2000),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((status = 'pending') = (decided_by_authority_id IS NULL))
);
CREATE INDEX identity_proposal_driver ON identity_proposal (driver_id) WHERE status = 'pending';

GRANT INSERT ON driver_former_identifier TO crosscheck_app;
GRANT INSERT, UPDATE ON identity_proposal TO crosscheck_app;
