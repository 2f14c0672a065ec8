-- The full list of an import's rejected rows (registry/importer.py): the import's answer
-- carries the first 1,000 and counts per file, field and reason; the whole list is kept here
-- to download as CSV, by the importing authority only. No row values are kept: file, line,
-- column and the reason, as in the answer.
CREATE TABLE import_rejection_list (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    authority_id integer NOT NULL REFERENCES authority (id),
    user_id integer REFERENCES app_user (id) ON DELETE SET NULL,
    imported boolean NOT NULL,
    rows_rejected integer NOT NULL CHECK (rows_rejected >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_rejection_list_authority ON import_rejection_list (authority_id, created_at);

CREATE TABLE import_rejection (
    list_id bigint NOT NULL REFERENCES import_rejection_list (id) ON DELETE CASCADE,
    n integer NOT NULL,  -- the order of the report: file, line, column
    file text NOT NULL,
    line integer NOT NULL,
    field text NOT NULL,
    message text NOT NULL,
    PRIMARY KEY (list_id, n)
);

GRANT SELECT, INSERT, DELETE ON import_rejection_list, import_rejection TO crosscheck_app;
