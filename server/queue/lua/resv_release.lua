-- Booked reservations whose release time has passed become no-shows; their places are freed. Appends
-- reservation.changed for each.
-- KEYS: 1 seq, 2 events, 3 release queue
-- ARGV: 1 stream maxlen, 2 now ms, 3 now ISO, 4 reservation key prefix, 5 slot holders key prefix
-- Returns: the codes made no-shows
local released = {}
for _, code in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])) do
  redis.call('ZREM', KEYS[3], code)
  local key = ARGV[4] .. code
  local r = hmap(key)
  if r.status == 'booked' then
    release_reservation(key, r, ARGV[5], KEYS[1], KEYS[2], ARGV[1], ARGV[3])
    released[#released + 1] = code
  end
end
return released
