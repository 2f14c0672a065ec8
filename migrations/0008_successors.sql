-- Authorities merge (DOMAIN.md: Barnsley and Sheffield in 2025; licensing may move to about
-- 70 transport authorities). An abolished authority's duties pass to its successor, so
-- alerts meant for it go to whoever holds them today.

-- The authority that holds `start_id`'s duties on `on_day`: itself while it exists (valid_to
-- is the first day it no longer does), else its successor's holder, along the chain.
-- plpgsql with a loop rather than a recursive query: nearly every authority exists today,
-- and the rules call this once per alert.
CREATE FUNCTION authority_on(start_id integer, on_day date) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
    holder integer := start_id;
    next_holder integer;
    ended date;
BEGIN
    FOR step IN 1..20 LOOP
        SELECT a.successor_id, a.valid_to INTO next_holder, ended FROM authority a WHERE a.id = holder;
        IF next_holder IS NULL OR ended > on_day THEN
            RETURN holder;
        END IF;
        holder := next_holder;
    END LOOP;
    RETURN holder;
END $$;
