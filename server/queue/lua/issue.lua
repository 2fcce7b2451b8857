-- Issue a ticket: number it, queue it, index it, and append ticket.issued with its service's line. Refused once the
-- date was closed.
-- KEYS: 1 seq, 2 events, 3 issue order, 4 number counter (date, series), 5 day set, 6 open days,
--       7 waiting line of the ticket's class, 8 number index of the date, 9 idempotency key, 10 audit list,
--       11 archive meta of the date (exists once the date was closed), 12 paused services of the site
-- ARGV: 1 ticket key prefix, 2 id, 3 prefix, 4 digits, 5 service, 6 channel, 7 priority 0|1, 8 lang,
--       9 token, 10 now ms, 11 now ISO, 12 business date, 13 class resv|prio|walk, 14 slot ms (resv),
--       15 idempotency ttl s (0 = no key), 16 stream maxlen, 17 queue prefix, 18 reservation code,
--       19 the line reader's key names (JSON, server/queue/store.py line_keys), 20 staff audit entry (JSON, '' for
--       a kiosk)
-- Returns: JSON {created, ticket (with its token), line: the service's line (server/views.py RawLine; for a new
--          ticket with walk_count instead of the walk-ins' ids), streak}: the ticket's place and wait are computed
--          from the line, read in the same step; errors day_closed,
--          service_paused (the same idempotency key after the close or the pause still returns the ticket it issued)
local out, line = issue_ticket(KEYS, ARGV, KEYS[12])
if out.err then return out end
return encode_with(out, 'line', line)
