-- Delete the name and phone number of reservations past their retention; the reservations themselves
-- (slot, service, status) stay, so the counts do. Appends one audit entry saying how many were purged
-- (only when there were any). No event: nothing any page shows changes.
-- KEYS: 1 purge queue, 2 audit list
-- ARGV: 1 now ms, 2 now ISO, 3 reservation key prefix, 4 audit entry (JSON; its detail gets the count)
-- Returns: how many reservations were purged
local n = 0
for _, code in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  redis.call('ZREM', KEYS[1], code)
  local key = ARGV[3] .. code
  if redis.call('EXISTS', key) == 1 then
    redis.call('HSET', key, 'name', '', 'phone', '', 'purged', '1', 'purged_at', ARGV[2])
    n = n + 1
  end
end
if n > 0 then
  local e = cjson.decode(ARGV[4])
  e['detail'] = n .. ' reservations: names and phone numbers deleted'
  redis.call('RPUSH', KEYS[2], cjson.encode(e))
end
return n
