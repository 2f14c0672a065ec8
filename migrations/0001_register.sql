-- The register, first version. The database holds the invariants; Python gives the
-- friendly messages. Dates a person reads are `date`; moments are `timestamptz`.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The service connects as (or SETs ROLE to) crosscheck_app: it may read and write the
-- register but can never rewrite the event log or the audit log.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crosscheck_app') THEN
        CREATE ROLE crosscheck_app LOGIN;
    END IF;
END $$;

-- The s.1 "relevant information" categories (Taxis and Private Hire Vehicles
-- (Safeguarding and Road Safety) Act 2022).
CREATE FUNCTION valid_categories(categories text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT cardinality(categories) > 0
       AND categories <@ ARRAY['sexual_offence', 'harassment', 'harm', 'offence_risk_of_harm',
                               'equality_act', 'road_safety']::text[]
$$;

-- Licensing authorities -------------------------------------------------------------------

CREATE TABLE authority (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{3,9}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 2 AND 120),
    official_name text NOT NULL,
    nation text NOT NULL CHECK (nation IN ('England', 'Wales', 'Scotland')),
    region text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('unitary', 'shire_district', 'metropolitan_district',
                                       'welsh_unitary', 'transport_for_london',
                                       'scottish_council', 'transport_authority')),
    licenses_drivers boolean NOT NULL,
    population integer NOT NULL DEFAULT 0 CHECK (population >= 0),
    valid_from date NOT NULL,
    valid_to date,
    successor_id integer REFERENCES authority (id),
    alert_email citext CHECK (alert_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    alert_delivery text NOT NULL DEFAULT 'immediate' CHECK (alert_delivery IN ('immediate', 'digest')),
    digest_time time NOT NULL DEFAULT '08:00',
    information_contact text NOT NULL DEFAULT '',
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK (successor_id IS NULL OR valid_to IS NOT NULL),
    CHECK (successor_id IS DISTINCT FROM id),
    CHECK (NOT (nation = 'Scotland' AND licenses_drivers))
);

-- Codes an authority was known by before a recode (Barnsley and Sheffield in 2025), so an
-- import using either code resolves to the same authority.
CREATE TABLE authority_former_code (
    code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{3,9}$'),
    authority_id integer NOT NULL REFERENCES authority (id),
    retired_on date
);

CREATE FUNCTION former_code_not_current() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM authority WHERE code = NEW.code) THEN
        RAISE EXCEPTION 'code % is a current authority code', NEW.code
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'authority_former_code_not_current';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER authority_former_code_not_current BEFORE INSERT OR UPDATE ON authority_former_code
    FOR EACH ROW EXECUTE FUNCTION former_code_not_current();

-- Users and tokens -------------------------------------------------------------------------

CREATE TABLE app_user (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email citext NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    role text NOT NULL CHECK (role IN ('licensing_officer', 'dpo', 'dft_analyst', 'admin')),
    authority_id integer REFERENCES authority (id),
    password_hash text,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- officers and data protection officers belong to an authority; DfT and admins do not
    CHECK ((role IN ('licensing_officer', 'dpo')) = (authority_id IS NOT NULL))
);

CREATE TABLE api_token (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES app_user (id),
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 120),
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    last_used_at timestamptz,
    CHECK (expires_at > created_at)
);

-- Drivers ----------------------------------------------------------------------------------

CREATE TABLE driver (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    forenames text NOT NULL CHECK (length(forenames) BETWEEN 1 AND 100),
    surname text NOT NULL CHECK (length(surname) BETWEEN 1 AND 100),
    date_of_birth date NOT NULL CHECK (date_of_birth > '1900-01-01'),
    sex char(1) CHECK (sex IN ('F', 'M')),
    gb_licence_number text UNIQUE
        CHECK (gb_licence_number ~ '^[A-Z9]{5}[0-9][0156][0-9][0-3][0-9][0-9][A-Z9]{2}[A-HJ-NPR-X2-9][A-Z]{2}$'),
    ni_licence_number text UNIQUE CHECK (ni_licence_number ~ '^[0-9]{8}$'),
    eu_licence_number text CHECK (eu_licence_number ~ '^[A-Z0-9]{4,20}$'),
    eu_licence_country char(2) CHECK (eu_licence_country ~ '^[A-Z]{2}$'),
    ni_number text UNIQUE
        CHECK (ni_number ~ '^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$'
               AND left(ni_number, 2) NOT IN ('BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ')),
    address text NOT NULL DEFAULT '' CHECK (length(address) <= 300),
    postcode text CHECK (postcode ~ '^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$'),
    home_authority_id integer REFERENCES authority (id),
    recorded_by_authority_id integer NOT NULL REFERENCES authority (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((eu_licence_number IS NULL) = (eu_licence_country IS NULL))
);
CREATE INDEX driver_dob ON driver (date_of_birth);
CREATE INDEX driver_home_authority ON driver (home_authority_id);

-- Every name a driver is known by: the current one, former names (a surname changed on
-- marriage) and aliases (another council's spelling). Search reads this table, with keys
-- computed once at write time.
CREATE TABLE driver_name (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_id bigint NOT NULL REFERENCES driver (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('current', 'former', 'alias')),
    forenames text NOT NULL CHECK (length(forenames) BETWEEN 1 AND 100),
    surname text NOT NULL CHECK (length(surname) BETWEEN 1 AND 100),
    date_of_birth date NOT NULL,
    -- keys filled by the driver_name_keys trigger from forenames and surname
    surname_key text NOT NULL DEFAULT '',      -- letters only, upper case, accents removed
    forename_key text NOT NULL DEFAULT '',     -- first forename, same treatment
    middle_keys text NOT NULL DEFAULT '',      -- further forenames, space separated
    surname_sound text NOT NULL DEFAULT '',    -- double metaphone of surname_key
    forename_sound text NOT NULL DEFAULT '',   -- double metaphone of forename_key
    forename_group text NOT NULL DEFAULT '',   -- nickname / variant group of the first forename
    recorded_by_authority_id integer REFERENCES authority (id),
    UNIQUE (driver_id, kind, forenames, surname)
);
CREATE UNIQUE INDEX driver_one_current_name ON driver_name (driver_id) WHERE kind = 'current';
CREATE INDEX driver_name_dob ON driver_name (date_of_birth);
CREATE INDEX driver_name_surname_key ON driver_name (surname_key);
CREATE INDEX driver_name_surname_sound ON driver_name (surname_sound);
CREATE INDEX driver_name_surname_trgm ON driver_name USING gin (surname_key gin_trgm_ops);
CREATE INDEX driver_name_driver ON driver_name (driver_id);

-- Name keys are computed in the database, so the API, the bulk import, the seed and the
-- search all use the one definition. IMMUTABLE so they can serve in index expressions (the
-- unaccent dictionary is fixed for the life of a release).
CREATE FUNCTION name_key(raw text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT upper(regexp_replace(public.unaccent('public.unaccent', coalesce(raw, '')), '[^[:alpha:]]', '', 'g'))
$$;

CREATE FUNCTION forename_tokens(forenames text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(k ORDER BY n), '{}')
    FROM unnest(regexp_split_to_array(trim(coalesce(forenames, '')), '[\s\-\.]+')) WITH ORDINALITY AS t(w, n),
         LATERAL (SELECT name_key(w) AS k) AS key
    WHERE k <> ''
$$;

CREATE FUNCTION fill_name_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tokens text[] := forename_tokens(NEW.forenames);
BEGIN
    NEW.surname_key := name_key(NEW.surname);
    NEW.forename_key := coalesce(tokens[1], '');
    NEW.middle_keys := array_to_string(tokens[2:], ' ');
    NEW.surname_sound := dmetaphone(NEW.surname_key);
    NEW.forename_sound := dmetaphone(NEW.forename_key);
    NEW.forename_group := NEW.forename_sound;
    RETURN NEW;
END $$;
CREATE TRIGGER driver_name_keys BEFORE INSERT OR UPDATE OF forenames, surname ON driver_name
    FOR EACH ROW EXECUTE FUNCTION fill_name_keys();

-- Licences ---------------------------------------------------------------------------------

CREATE TABLE licence (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_id bigint NOT NULL REFERENCES driver (id),
    authority_id integer NOT NULL REFERENCES authority (id),
    licence_number text NOT NULL CHECK (length(licence_number) BETWEEN 1 AND 40),
    -- Operator and vehicle licences are not in scope yet; this column keeps room for them.
    licence_class text NOT NULL DEFAULT 'driver' CHECK (licence_class IN ('driver')),
    kind text NOT NULL CHECK (kind IN ('hackney_carriage', 'private_hire', 'dual')),
    status text NOT NULL CHECK (status IN ('current', 'suspended', 'revoked', 'surrendered', 'expired')),
    granted_on date NOT NULL,
    starts_on date NOT NULL,
    expires_on date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (authority_id, licence_number),
    CHECK (starts_on >= granted_on - 31),
    CHECK (expires_on > starts_on),
    -- the standard term is 3 years (Deregulation Act 2015 s.10); shorter terms are allowed
    CHECK (expires_on <= (starts_on + interval '3 years')::date)
);
-- At most one live licence of a kind per driver per authority.
CREATE UNIQUE INDEX licence_one_live_per_kind ON licence (driver_id, authority_id, kind)
    WHERE status IN ('current', 'suspended');
CREATE INDEX licence_driver ON licence (driver_id);
CREATE INDEX licence_authority_status ON licence (authority_id, status);
CREATE INDEX licence_expiry ON licence (expires_on) WHERE status IN ('current', 'suspended');

CREATE TABLE licence_change (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    licence_id bigint NOT NULL REFERENCES licence (id),
    action text NOT NULL CHECK (action IN ('granted', 'renewed', 'suspended', 'reinstated',
                                           'revoked', 'surrendered', 'expired')),
    effective_on date NOT NULL,
    expires_on date,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by integer REFERENCES app_user (id),
    CHECK ((action = 'renewed') = (expires_on IS NOT NULL) OR action = 'granted')
);
CREATE INDEX licence_change_licence ON licence_change (licence_id);
CREATE INDEX licence_change_effective ON licence_change (action, effective_on);

-- Register entries (2022 Act s.2) ----------------------------------------------------------

CREATE TABLE register_entry (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_id bigint NOT NULL REFERENCES driver (id),
    authority_id integer NOT NULL REFERENCES authority (id),
    licence_id bigint REFERENCES licence (id),
    decision text NOT NULL CHECK (decision IN ('refused', 'refused_renewal', 'suspended', 'revoked')),
    licence_kind text NOT NULL CHECK (licence_kind IN ('hackney_carriage', 'private_hire', 'dual')),
    decided_on date NOT NULL,
    effective_on date NOT NULL,
    categories text[] NOT NULL CHECK (valid_categories(categories)),
    narrative text NOT NULL DEFAULT '' CHECK (length(narrative) <= 10000),
    status text NOT NULL DEFAULT 'in_force'
        CHECK (status IN ('in_force', 'appeal_allowed', 'reinstated', 'later_granted', 'withdrawn')),
    status_changed_on date,
    first_entered_on date NOT NULL DEFAULT current_date,
    retention_ends_on date GENERATED ALWAYS AS ((first_entered_on + interval '11 years')::date) STORED,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by integer REFERENCES app_user (id),
    CHECK (effective_on >= decided_on),
    CHECK ((status = 'in_force') = (status_changed_on IS NULL)),
    CHECK (status_changed_on IS NULL OR status_changed_on >= decided_on)
);
CREATE INDEX register_entry_driver ON register_entry (driver_id);
CREATE INDEX register_entry_authority ON register_entry (authority_id, decided_on);
CREATE INDEX register_entry_retention ON register_entry (retention_ends_on);

-- Later changes to an entry (appeal outcomes, reinstatement, later grant), kept up to date
-- as s.2 requires.
CREATE TABLE register_entry_change (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id bigint NOT NULL REFERENCES register_entry (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('in_force', 'appeal_allowed', 'reinstated', 'later_granted', 'withdrawn')),
    changed_on date NOT NULL,
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by integer REFERENCES app_user (id)
);
CREATE INDEX register_entry_change_entry ON register_entry_change (entry_id);

-- Safeguarding concerns (s.5) and the s.6 reply ---------------------------------------------

CREATE TABLE concern (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    driver_id bigint NOT NULL REFERENCES driver (id),
    reporting_authority_id integer NOT NULL REFERENCES authority (id),
    recipient_authority_id integer NOT NULL REFERENCES authority (id),
    licence_id bigint REFERENCES licence (id),
    categories text[] NOT NULL CHECK (valid_categories(categories)),
    narrative text NOT NULL DEFAULT '' CHECK (length(narrative) <= 10000),
    became_aware_on date NOT NULL,
    reported_on date NOT NULL,
    report_due_on date NOT NULL,          -- 10 working days after becoming aware
    reply_decision text CHECK (reply_decision IN ('no_action', 'warning', 'suspended', 'revoked', 'other')),
    reply_on date,
    reply_reason text NOT NULL DEFAULT '' CHECK (length(reply_reason) <= 5000),
    first_entered_on date NOT NULL DEFAULT current_date,
    retention_ends_on date GENERATED ALWAYS AS ((first_entered_on + interval '11 years')::date) STORED,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by integer REFERENCES app_user (id),
    CHECK (reporting_authority_id <> recipient_authority_id),
    CHECK (reported_on >= became_aware_on),
    CHECK (report_due_on > became_aware_on),
    CHECK ((reply_decision IS NULL) = (reply_on IS NULL)),
    CHECK (reply_on IS NULL OR reply_on >= reported_on)
);
CREATE INDEX concern_driver ON concern (driver_id);
CREATE INDEX concern_recipient ON concern (recipient_authority_id);
CREATE INDEX concern_reporter ON concern (reporting_authority_id);

-- Information requests (s.3) ---------------------------------------------------------------

CREATE TABLE information_request (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id bigint NOT NULL REFERENCES register_entry (id) ON DELETE CASCADE,
    requesting_authority_id integer NOT NULL REFERENCES authority (id),
    recording_authority_id integer NOT NULL REFERENCES authority (id),
    case_reference text NOT NULL CHECK (length(case_reference) BETWEEN 1 AND 60),
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    requested_on date NOT NULL,
    due_on date NOT NULL,                 -- 20 working days after the request
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'granted', 'refused', 'withdrawn')),
    responded_on date,
    response text NOT NULL DEFAULT '' CHECK (length(response) <= 10000),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by integer REFERENCES app_user (id),
    CHECK (requesting_authority_id <> recording_authority_id),
    CHECK (due_on > requested_on),
    CHECK ((status = 'open') = (responded_on IS NULL)),
    CHECK (responded_on IS NULL OR responded_on >= requested_on)
);
CREATE INDEX information_request_recording ON information_request (recording_authority_id, status);
CREATE INDEX information_request_requesting ON information_request (requesting_authority_id);
CREATE INDEX information_request_entry ON information_request (entry_id);

-- The register's history: an append-only event log --------------------------------------
-- Triggers write it, so no code path can change the register without leaving an event in
-- the same transaction. Events carry ids and authorities, never names or narrative.

CREATE TABLE register_event (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL CHECK (kind IN (
        'driver_recorded', 'driver_amended', 'driver_moved',
        'licence_granted', 'licence_renewed', 'licence_suspended', 'licence_reinstated',
        'licence_revoked', 'licence_surrendered', 'licence_expired',
        'entry_recorded', 'entry_changed',
        'concern_reported', 'concern_replied',
        'request_made', 'request_answered')),
    driver_id bigint,
    authority_id integer REFERENCES authority (id),   -- the authority that made the change
    subject_id bigint,                                -- the licence, entry, concern or request
    detail jsonb NOT NULL DEFAULT '{}',
    actor_user_id integer,
    retention_ends_on date NOT NULL DEFAULT (current_date + interval '11 years')::date
);
CREATE INDEX register_event_driver ON register_event (driver_id);
CREATE INDEX register_event_kind_time ON register_event (kind, occurred_at);

-- Who looked at what: an append-only audit log ---------------------------------------------

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    user_id integer REFERENCES app_user (id),
    authority_id integer REFERENCES authority (id),
    action text NOT NULL CHECK (length(action) BETWEEN 1 AND 40),
    purpose text CHECK (purpose IN ('new_application', 'renewal', 's5_investigation', 'enforcement', 'other')),
    case_reference text CHECK (length(case_reference) <= 60),
    driver_id bigint,
    -- A search writes one row per driver it returned (driver_id set; one row with driver_id
    -- NULL when it found nobody), all sharing search_id. A driver recorded after a search that
    -- found nobody gets a row linking that search_id to the new driver.
    search_id uuid,
    subject text NOT NULL DEFAULT '',  -- what kind of record, and its id: never personal data
    detail jsonb NOT NULL DEFAULT '{}',
    retention_ends_on date NOT NULL DEFAULT (current_date + interval '11 years')::date
);
CREATE INDEX audit_log_authority_time ON audit_log (authority_id, at);
CREATE INDEX audit_log_search ON audit_log (authority_id, driver_id, at) WHERE action = 'search';
CREATE INDEX audit_log_search_id ON audit_log (search_id) WHERE search_id IS NOT NULL;

-- Append-only: updates never, deletes only from the retention housekeeping function.
CREATE FUNCTION refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('crosscheck.retention_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER register_event_append_only BEFORE UPDATE OR DELETE ON register_event
    FOR EACH ROW EXECUTE FUNCTION refuse_rewrite();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_rewrite();
CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER register_event_no_truncate BEFORE TRUNCATE ON register_event
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate();

-- The event triggers ------------------------------------------------------------------------

CREATE FUNCTION actor() RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('crosscheck.actor_user_id', true), '')::integer
$$;

CREATE FUNCTION record_event(p_kind text, p_driver bigint, p_authority integer,
                             p_subject bigint, p_detail jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO register_event (kind, driver_id, authority_id, subject_id, detail, actor_user_id)
    VALUES (p_kind, p_driver, p_authority, p_subject, p_detail, actor())
$$;

CREATE FUNCTION driver_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    acting integer := nullif(current_setting('crosscheck.actor_authority_id', true), '')::integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_event('driver_recorded', NEW.id, NEW.recorded_by_authority_id, NEW.id,
                             jsonb_build_object('home_authority_id', NEW.home_authority_id));
    ELSIF NEW.home_authority_id IS DISTINCT FROM OLD.home_authority_id THEN
        PERFORM record_event('driver_moved', NEW.id, coalesce(acting, NEW.recorded_by_authority_id), NEW.id,
                             jsonb_build_object('from_authority_id', OLD.home_authority_id,
                                                'home_authority_id', NEW.home_authority_id));
    ELSIF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        PERFORM record_event('driver_amended', NEW.id, coalesce(acting, NEW.recorded_by_authority_id), NEW.id, '{}');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER driver_event AFTER INSERT OR UPDATE ON driver
    FOR EACH ROW EXECUTE FUNCTION driver_event();

CREATE FUNCTION licence_change_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lic licence;
BEGIN
    SELECT * INTO lic FROM licence WHERE id = NEW.licence_id;
    PERFORM record_event('licence_' || NEW.action, lic.driver_id, lic.authority_id, lic.id,
                         jsonb_build_object('kind', lic.kind, 'effective_on', NEW.effective_on,
                                            'expires_on', coalesce(NEW.expires_on, lic.expires_on)));
    RETURN NEW;
END $$;
CREATE TRIGGER licence_change_event AFTER INSERT ON licence_change
    FOR EACH ROW EXECUTE FUNCTION licence_change_event();

CREATE FUNCTION register_entry_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_event('entry_recorded', NEW.driver_id, NEW.authority_id, NEW.id,
                         jsonb_build_object('decision', NEW.decision, 'licence_kind', NEW.licence_kind,
                                            'decided_on', NEW.decided_on, 'effective_on', NEW.effective_on));
    RETURN NEW;
END $$;
CREATE TRIGGER register_entry_event AFTER INSERT ON register_entry
    FOR EACH ROW EXECUTE FUNCTION register_entry_event();

CREATE FUNCTION register_entry_change_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry register_entry;
BEGIN
    SELECT * INTO entry FROM register_entry WHERE id = NEW.entry_id;
    PERFORM record_event('entry_changed', entry.driver_id, entry.authority_id, entry.id,
                         jsonb_build_object('status', NEW.status, 'changed_on', NEW.changed_on));
    RETURN NEW;
END $$;
CREATE TRIGGER register_entry_change_event AFTER INSERT ON register_entry_change
    FOR EACH ROW EXECUTE FUNCTION register_entry_change_event();

CREATE FUNCTION concern_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_event('concern_reported', NEW.driver_id, NEW.reporting_authority_id, NEW.id,
                             jsonb_build_object('recipient_authority_id', NEW.recipient_authority_id,
                                                'became_aware_on', NEW.became_aware_on,
                                                'report_due_on', NEW.report_due_on));
    ELSIF NEW.reply_on IS NOT NULL AND OLD.reply_on IS NULL THEN
        PERFORM record_event('concern_replied', NEW.driver_id, NEW.recipient_authority_id, NEW.id,
                             jsonb_build_object('reporting_authority_id', NEW.reporting_authority_id,
                                                'reply_decision', NEW.reply_decision));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER concern_event AFTER INSERT OR UPDATE ON concern
    FOR EACH ROW EXECUTE FUNCTION concern_event();

CREATE FUNCTION information_request_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    driver bigint;
BEGIN
    SELECT driver_id INTO driver FROM register_entry WHERE id = NEW.entry_id;
    IF TG_OP = 'INSERT' THEN
        PERFORM record_event('request_made', driver, NEW.requesting_authority_id, NEW.id,
                             jsonb_build_object('recording_authority_id', NEW.recording_authority_id,
                                                'due_on', NEW.due_on));
    ELSIF NEW.status <> 'open' AND OLD.status = 'open' THEN
        PERFORM record_event('request_answered', driver, NEW.recording_authority_id, NEW.id,
                             jsonb_build_object('requesting_authority_id', NEW.requesting_authority_id,
                                                'status', NEW.status));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER information_request_event AFTER INSERT OR UPDATE ON information_request
    FOR EACH ROW EXECUTE FUNCTION information_request_event();

-- Retention housekeeping: the one way anything leaves the register -------------------------
-- SECURITY DEFINER so the service role, which cannot delete from the logs, can run it. It
-- leaves an audit record per kind of entry removed, with counts and no personal data.
CREATE FUNCTION purge_expired_records(today date DEFAULT current_date)
RETURNS TABLE (record_kind text, removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM set_config('crosscheck.retention_purge', 'on', true);
    FOREACH record_kind IN ARRAY ARRAY['register_entry', 'concern', 'register_event', 'audit_log'] LOOP
        EXECUTE format('DELETE FROM %I WHERE retention_ends_on < $1', record_kind) USING today;
        GET DIAGNOSTICS n = ROW_COUNT;
        removed := n;
        IF n > 0 THEN
            INSERT INTO audit_log (action, subject, detail)
            VALUES ('retention_purge', record_kind,
                    jsonb_build_object('removed', n, 'retention_ended_before', today));
        END IF;
        RETURN NEXT;
    END LOOP;
    PERFORM set_config('crosscheck.retention_purge', 'off', true);
END $$;

-- Grants --------------------------------------------------------------------------------------

GRANT USAGE ON SCHEMA public TO crosscheck_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO crosscheck_app;
GRANT INSERT, UPDATE ON authority, authority_former_code, app_user, api_token, driver, licence,
    licence_change, register_entry, concern, information_request TO crosscheck_app;
GRANT DELETE ON api_token TO crosscheck_app;
GRANT INSERT, UPDATE, DELETE ON driver_name TO crosscheck_app;
GRANT INSERT ON register_entry_change, register_event, audit_log TO crosscheck_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO crosscheck_app;
GRANT EXECUTE ON FUNCTION purge_expired_records(date) TO crosscheck_app;
-- Tables added by later migrations are readable by the service; writes are granted per table.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO crosscheck_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO crosscheck_app;
