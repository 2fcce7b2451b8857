-- Move a booked reservation to another slot (date, time or service): the old place is freed and the new
-- one taken in one step; a full slot leaves the reservation as it was. Appends reservation.changed.
-- KEYS: 1 seq, 2 events, 3 reservation hash, 4 new slot holders (set), 5 reservations of the new date,
--       6 all reservations, 7 release queue, 8 purge queue, 9 audit list, 10 archive meta of the new date (exists
--       once that date was closed)
-- ARGV: 1 stream maxlen, 2 now ISO, 3 changed fields (JSON: date, service, start, end, slot_at),
--       4 new slot capacity, 5 release at ms, 6 purge at ms, 7 slot holders key prefix,
--       8 reservations-of-a-date key prefix, 9 staff audit entry (JSON or '')
-- Returns: the reservation as JSON; errors reservation_not_found, already_checked_in,
--          reservation_cancelled, reservation_no_show, slot_full, day_closed (the new date was closed)
local r = hmap(KEYS[3])
local refusal = resv_refusal(r)
if refusal then return refusal end
local closed = closed_refusal(KEYS[10], cjson.decode(ARGV[3]).date)
if closed then return closed end
local old_slot = rslot_key(ARGV[7], r.date, r.service, r.start)
if old_slot ~= KEYS[4] and redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[4]) then
  return fail('slot_full', 'no place is left in that slot')
end
local from = r.date .. ' ' .. r.start .. ' ' .. r.service
redis.call('SREM', old_slot, r.code)
redis.call('ZREM', rday_key(ARGV[8], r.date), r.code)
for k, v in pairs(cjson.decode(ARGV[3])) do r[k] = v end
r.updated_at = ARGV[2]
save(KEYS[3], r)
redis.call('SADD', KEYS[4], r.code)
redis.call('ZADD', KEYS[5], r.slot_at, r.code)
redis.call('ZADD', KEYS[6], r.slot_at, r.code)
redis.call('ZADD', KEYS[7], ARGV[5], r.code)
redis.call('ZADD', KEYS[8], ARGV[6], r.code)
resv_changed(KEYS[1], KEYS[2], ARGV[1], ARGV[2], r)
resv_audit(KEYS[9], ARGV[9], r.code, from .. ' -> ' .. r.date .. ' ' .. r.start .. ' ' .. r.service)
return cjson.encode(r)
