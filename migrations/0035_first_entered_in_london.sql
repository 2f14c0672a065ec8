-- A register entry's or a concern's first-entered date starts its 11-year retention, which
-- officers see beside the record. It was CURRENT_DATE, the session's date (UTC), so a record
-- entered between 23:00 and midnight UTC in summer was dated the day before London's. It is
-- now London's date whatever the session's TimeZone. Records already entered keep their dates.
-- (The audit log's and register events' retention defaults stay on CURRENT_DATE: a day either
-- way on an 11-year purge that no officer sees.)
ALTER TABLE register_entry
    ALTER COLUMN first_entered_on SET DEFAULT (now() AT TIME ZONE 'Europe/London')::date;
ALTER TABLE concern
    ALTER COLUMN first_entered_on SET DEFAULT (now() AT TIME ZONE 'Europe/London')::date;
