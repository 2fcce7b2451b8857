-- Cancel a booked reservation and free its place. Appends reservation.changed.
-- KEYS: 1 seq, 2 events, 3 reservation hash, 4 release queue, 5 audit list
-- ARGV: 1 stream maxlen, 2 now ISO, 3 slot holders key prefix, 4 staff audit entry (JSON or '')
-- Returns: the reservation as JSON; errors reservation_not_found, already_checked_in,
--          reservation_cancelled, reservation_no_show
local r = hmap(KEYS[3])
local refusal = resv_refusal(r)
if refusal then return refusal end
redis.call('SREM', rslot_key(ARGV[3], r.date, r.service, r.start), r.code)
redis.call('ZREM', KEYS[4], r.code)
r.status = 'cancelled'
r.updated_at = ARGV[2]
redis.call('HSET', KEYS[3], 'status', r.status, 'updated_at', r.updated_at)
resv_changed(KEYS[1], KEYS[2], ARGV[1], ARGV[2], r)
resv_audit(KEYS[5], ARGV[4], r.code, r.date .. ' ' .. r.start .. ' ' .. r.service)
return cjson.encode(r)
