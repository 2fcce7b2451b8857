-- Delete one business date past its retention (config [retention]): its archive, its tallies, and what is left
-- of it in the live store (the ticket hashes, the reservations with their places, the date's indexes and number
-- counters), so nothing of the date outlives the archive. Appends one audit entry (as the system) saying what
-- went. No event: nothing any page shows changes.
-- KEYS: 1 archive meta, 2 archived tickets, 3 archived reservations, 4 archived days, 5 day set,
--       6 number index of the date, 7 reservations of the date, 8 all reservations, 9 reservation release queue,
--       10 reservation purge queue, 11 tallies of the date, 12 tally days, 13 audit list,
--       14.. number counters of the date (one per ticket series)
-- ARGV: 1 the date (YYYY-MM-DD), 2 ticket key prefix, 3 reservation key prefix, 4 slot holders key prefix,
--       5 audit entry (JSON; its detail gets what was deleted)
-- Returns: {tickets deleted, reservations deleted, the deleted reservations' codes (their site index lives
--          outside the site's slot: the caller deletes it)}
local date = ARGV[1]
local tickets = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  tickets = tickets + redis.call('DEL', ARGV[2] .. id)
end
local codes = {}
for _, code in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
  local key = ARGV[3] .. code
  local r = redis.call('HMGET', key, 'service', 'start')
  if r[1] and r[2] then redis.call('DEL', rslot_key(ARGV[4], date, r[1], r[2])) end
  redis.call('DEL', key)
  for i = 8, 10 do redis.call('ZREM', KEYS[i], code) end
  codes[#codes + 1] = code
end
local archived = tonumber(redis.call('HGET', KEYS[1], 'tickets') or '0')
redis.call('ZREM', KEYS[4], date)
redis.call('ZREM', KEYS[12], date)
for _, i in ipairs({1, 2, 3, 5, 6, 7, 11}) do redis.call('DEL', KEYS[i]) end
for i = 14, #KEYS do redis.call('DEL', KEYS[i]) end
local e = cjson.decode(ARGV[5])
e['detail'] = date .. ': past retention, deleted (' .. math.max(tickets, archived) .. ' tickets, ' .. #codes ..
  ' reservations, tallies)'
redis.call('RPUSH', KEYS[13], cjson.encode(e))
return {tickets, #codes, codes}
