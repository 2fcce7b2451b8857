-- Book a place in a slot: the capacity check and the booking are one step, so two bookings racing for
-- the last place never both get it. Appends reservation.changed.
-- KEYS: 1 seq, 2 events, 3 reservation hash, 4 slot holders (set), 5 reservations of the date (zset),
--       6 all reservations (zset), 7 release queue (zset), 8 purge queue (zset), 9 audit list,
--       10 idempotency key of the request, 11 archive meta of the reservation's date (exists once the date was
--       closed)
-- ARGV: 1 stream maxlen, 2 now ISO, 3 reservation fields (JSON object), 4 slot capacity, 5 slot start ms,
--       6 release at ms, 7 purge at ms, 8 staff audit entry (JSON or ''), 9 idempotency ttl s (0 = none),
--       10 reservation key prefix
-- Returns: {created 1|0, the reservation as JSON}: 0 when the same idempotency key booked before (that
--          reservation, unchanged); errors code_taken (the code exists: try another), slot_full, day_closed (the
--          date's archive and reports are final: a reservation added now would never reach them)
if tonumber(ARGV[9]) > 0 then
  local earlier = redis.call('GET', KEYS[10])
  if earlier then
    local r = hmap(ARGV[10] .. earlier)
    if r.code then return {0, cjson.encode(r)} end
  end
end
local r = cjson.decode(ARGV[3])
local closed = closed_refusal(KEYS[11], r.date)
if closed then return closed end
if redis.call('EXISTS', KEYS[3]) == 1 then return fail('code_taken', 'the code is in use') end
if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[4]) then
  return fail('slot_full', 'no place is left in this slot')
end
r.status = 'booked'
save(KEYS[3], r)
redis.call('SADD', KEYS[4], r.code)
redis.call('ZADD', KEYS[5], ARGV[5], r.code)
redis.call('ZADD', KEYS[6], ARGV[5], r.code)
redis.call('ZADD', KEYS[7], ARGV[6], r.code)
redis.call('ZADD', KEYS[8], ARGV[7], r.code)
resv_changed(KEYS[1], KEYS[2], ARGV[1], ARGV[2], r)
resv_audit(KEYS[9], ARGV[8], r.code, r.date .. ' ' .. r.start .. ' ' .. r.service)
if tonumber(ARGV[9]) > 0 then redis.call('SET', KEYS[10], r.code, 'EX', ARGV[9]) end
return {1, cjson.encode(r)}
