-- Read everything the public and staff snapshots are built from, at one seq (read only).
-- KEYS: 1 seq, 2 recent calls of the business date, 3 notices hash, 4 archive meta of the business date,
--       5 paused services of the site
-- ARGV: 1 ticket key prefix, 2 queue prefix, 3 counter key prefix, 4 business date, 5 services JSON,
--       6 counter ids JSON, 7 durations key prefix, 8 the business date's ticket set ('' for the public
--       snapshot; staff: also oldest and totals, below)
-- Returns: JSON {seq, waiting: {service: {resv, prio, walk}}, durations: {service: [s...]},
--          counters: [{id, status, services, reason, ticket: {...} | null}], calls: [json...],
--          notices: [json...], closed: the business date was closed already (day_close.lua),
--          paused: [json...] (service_pause.lua)}
local out = {seq = tonumber(redis.call('GET', KEYS[1]) or '0'), waiting = {}, durations = {}, counters = {}}
for _, svc in ipairs(cjson.decode(ARGV[5])) do
  out.waiting[svc] = {
    resv = redis.call('ZCARD', qkey(ARGV[2], ARGV[4], svc, 'resv')),
    prio = redis.call('ZCARD', qkey(ARGV[2], ARGV[4], svc, 'prio')),
    walk = redis.call('ZCARD', qkey(ARGV[2], ARGV[4], svc, 'walk')),
  }
  out.durations[svc] = redis.call('LRANGE', ARGV[7] .. ARGV[4] .. ':' .. svc, 0, -1)
end
for i, cid in ipairs(cjson.decode(ARGV[6])) do
  local c = hmap(ARGV[3] .. cid)
  local entry = {id = cid, status = c.status or 'closed', services = c.services or '[]',
    reason = c.reason or '', operator = c.operator or '', ticket = false}
  if c.ticket and c.ticket ~= '' then
    local t = hmap(ARGV[1] .. c.ticket)
    if t.status == 'called' or t.status == 'serving' then entry.ticket = t end
  end
  out.counters[i] = entry
end
out.calls = redis.call('LRANGE', KEYS[2], 0, -1)
out.notices = redis.call('HVALS', KEYS[3])
out.closed = redis.call('EXISTS', KEYS[4]) == 1
out.paused = redis.call('HVALS', KEYS[5])

-- The staff snapshot (ARGV[8] given) adds, for the floor overview:
-- oldest: {service: issued_at ms of its longest-waiting ticket} (walk-ins and priority tickets wait in issue order,
--         so the first of each line is its oldest; a line of checked-in reservations is ordered by slot, so all of
--         it is looked at: it is short);
-- totals: {status: tickets of the business date} (issued = their sum).
if ARGV[8] ~= '' then
  out.oldest, out.totals = {}, {}
  for _, svc in ipairs(cjson.decode(ARGV[5])) do
    local first = nil
    local function look(ids)
      for _, id in ipairs(ids) do
        local at = tonumber(redis.call('HGET', ARGV[1] .. id, 'issued_at'))
        if at and (first == nil or at < first) then first = at end
      end
    end
    look(redis.call('ZRANGE', qkey(ARGV[2], ARGV[4], svc, 'walk'), 0, 0))
    look(redis.call('ZRANGE', qkey(ARGV[2], ARGV[4], svc, 'prio'), 0, 0))
    look(redis.call('ZRANGE', qkey(ARGV[2], ARGV[4], svc, 'resv'), 0, -1))
    if first then out.oldest[svc] = first end
  end
  for _, id in ipairs(redis.call('ZRANGE', ARGV[8], 0, -1)) do
    local status = redis.call('HGET', ARGV[1] .. id, 'status')
    if status then out.totals[status] = (out.totals[status] or 0) + 1 end
  end
end
return cjson.encode(out)
