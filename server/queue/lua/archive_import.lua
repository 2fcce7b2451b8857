-- Load one archived business date from a handover archive (`madoguchi import`), once: the same keys and meta as
-- day_close.lua writes, so this installation's reports and history read the date as one of its own archived days.
-- Never touches live state: a date with live tickets, reservations or tallies here is refused, and a date that
-- has an archive here already is left as it is (the caller compares its content: same is skipped, other refused).
-- KEYS: 1 archive meta, 2 archived tickets, 3 archived reservations, 4 archived days, 5 tallies of the date,
--       6 tally days, 7 day set (the date's live tickets), 8 reservations of the date (live), 9 audit list
-- ARGV: 1 the date (YYYY-MM-DD), 2 its score in the archived days (yyyymmdd), 3 meta (JSON object of strings:
--       archived_at, tickets, reservations, by, imported_at, imported_from, imported_by), 4 the tickets (JSON
--       texts, one a line, in issue order), 5 the reservations (JSON texts, one a line), 6 tallies (JSON object
--       '<kind>:<topic>' -> count; {} for none), 7 audit entry (JSON; its detail gets what was imported)
-- Returns: 'imported' | 'archived' (an archive of the date exists here: nothing written) | 'live' (the date has
--          records here that are not archived: nothing written)
if redis.call('EXISTS', KEYS[1]) == 1 then return 'archived' end
if redis.call('EXISTS', KEYS[5], KEYS[7], KEYS[8]) > 0 then return 'live' end

local tickets, reservations = 0, 0
for line in string.gmatch(ARGV[4], '[^\n]+') do
  redis.call('RPUSH', KEYS[2], line)
  tickets = tickets + 1
end
for line in string.gmatch(ARGV[5], '[^\n]+') do
  redis.call('RPUSH', KEYS[3], line)
  reservations = reservations + 1
end
local tallied = 0
for field, n in pairs(cjson.decode(ARGV[6])) do
  redis.call('HSET', KEYS[5], field, tostring(n))
  tallied = tallied + 1
end
if tallied > 0 then redis.call('ZADD', KEYS[6], tonumber(ARGV[2]), ARGV[1]) end
local flat = {}
for k, v in pairs(cjson.decode(ARGV[3])) do
  flat[#flat + 1] = k
  flat[#flat + 1] = tostring(v)
end
redis.call('HSET', KEYS[1], unpack(flat))
redis.call('ZADD', KEYS[4], tonumber(ARGV[2]), ARGV[1])

local e = cjson.decode(ARGV[7])
e['detail'] = ARGV[1] .. ': imported (' .. tickets .. ' tickets, ' .. reservations .. ' reservations, ' .. tallied ..
  ' tally counts)' .. ((e['detail'] and e['detail'] ~= '') and (' ' .. e['detail']) or '')
redis.call('RPUSH', KEYS[9], cjson.encode(e))
return 'imported'
