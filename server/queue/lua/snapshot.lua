-- Read everything the public and staff snapshots are built from, at one seq (read only).
-- KEYS: 1 seq, 2 recent calls of the business date, 3 notices hash, 4 archive meta of the business date,
--       5 paused services of the site
-- ARGV: 1 ticket key prefix, 2 queue prefix, 3 counter key prefix, 4 business date, 5 services JSON,
--       6 counter ids JSON, 7 durations key prefix
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
return cjson.encode(out)
