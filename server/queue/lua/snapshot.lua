-- Read everything the public and staff snapshots are built from, at one seq (read only).
-- KEYS: 1 seq, 2 recent calls of the business date, 3 notices hash, 4 archive meta of the business date
-- ARGV: 1 ticket key prefix, 2 counter key prefix, 3 services JSON, 4 counter ids JSON,
--       5 the line reader's key names (JSON, server/queue/store.py line_keys), 6 the business date's ticket set
--       ('' for the public snapshot; staff: also totals, tickets and served_by, below)
-- Returns: JSON (server/views.py RawSnapshot) {seq, streak, lines: the services' lines (as events carry them),
--          counters: [{id, status, services, reason, operator, ticket: the ticket it holds, if any}],
--          calls: recent calls (newest first), notices, closed: the business date was closed already
--          (day_close.lua)}; a list that is empty is left out
local w = cjson.decode(ARGV[5])
local out = {seq = tonumber(redis.call('GET', KEYS[1]) or '0'), streak = streak_of(w)}
out.lines = list_or_nil(lines_of(w, cjson.decode(ARGV[3])))
local counters = {}
for _, cid in ipairs(cjson.decode(ARGV[4])) do
  local c = hmap(ARGV[2] .. cid)
  local entry = {id = cid, status = c.status or 'closed', services = c.services or '[]',
    reason = c.reason or '', operator = c.operator or ''}
  if c.ticket and c.ticket ~= '' then
    local t = hmap(ARGV[1] .. c.ticket)
    if t.status == 'called' or t.status == 'serving' then entry.ticket = event_ticket(t) end
  end
  counters[#counters + 1] = entry
end
out.counters = list_or_nil(counters)
local calls = {}
for _, text in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do calls[#calls + 1] = cjson.decode(text) end
out.calls = list_or_nil(calls)
local notices = {}
for _, text in ipairs(redis.call('HVALS', KEYS[3])) do notices[#notices + 1] = cjson.decode(text) end
out.notices = list_or_nil(notices)
out.closed = redis.call('EXISTS', KEYS[4]) == 1

-- The staff snapshot (ARGV[6] given) adds, for the consoles and the floor overview:
-- totals: {status: tickets of the business date} (issued = their sum);
-- tickets: those still waiting, called or serving, and the no-shows (a console reinstates them);
-- served_by: {login: tickets of the date that person completed} (a console's count of the day).
if ARGV[6] ~= '' then
  local totals, tickets, served_by = {}, {}, {}
  for _, id in ipairs(redis.call('ZRANGE', ARGV[6], 0, -1)) do
    local t = hmap(ARGV[1] .. id)
    if t.status then
      totals[t.status] = (totals[t.status] or 0) + 1
      if t.status == 'waiting' or t.status == 'called' or t.status == 'serving' or t.status == 'no_show' then
        tickets[#tickets + 1] = event_ticket(t)
      elseif t.status == 'done' and t.operator and t.operator ~= '' then
        served_by[t.operator] = (served_by[t.operator] or 0) + 1
      end
    end
  end
  out.totals = totals
  out.tickets = list_or_nil(tickets)
  out.served_by = served_by
end
return cjson.encode(out)
