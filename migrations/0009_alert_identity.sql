-- Alert emails name nobody by default: a council mailbox is read and forwarded more widely
-- than the register, so an email says what happened and what to do, and the officer signs in
-- to see who it is about. An authority that chooses to may receive one identity line (name
-- and date of birth) in each alert.
ALTER TABLE authority ADD COLUMN alert_identity boolean NOT NULL DEFAULT false;
