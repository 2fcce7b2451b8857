-- A ticket with its service's line (read only): the ticket's place and wait are computed from the line in Python
-- (server/views.py RawLine), as for every event.
-- KEYS: 1 ticket hash
-- ARGV: 1 the line reader's key names (JSON, server/queue/store.py line_keys; `date` the ticket's business date)
-- Returns: JSON {ticket, line, streak} (server/views.py RawTicketStatus), or false when there is no such ticket
local t = hmap(KEYS[1])
if not t.id then return false end
local w = cjson.decode(ARGV[1])
w.date = t.business_date
return cjson.encode({ticket = t, line = lines_of(w, {t.service})[1], streak = streak_of(w)})
