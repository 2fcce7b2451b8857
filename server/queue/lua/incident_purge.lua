-- Delete the incident reports of a site that occurred before the retention cutoff (config [retention]); appends
-- one audit entry (as the system) saying how many, only when there were any. No event.
-- KEYS: 1 the site's incidents (zset by when they occurred), 2 audit list
-- ARGV: 1 cutoff (epoch ms: reports that occurred before it go), 2 incident key prefix,
--       3 audit entry (JSON; its detail gets the count)
-- Returns: how many reports were deleted
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[2] .. id)
  redis.call('ZREM', KEYS[1], id)
end
if #ids > 0 then
  local e = cjson.decode(ARGV[3])
  e['detail'] = #ids .. ' incident reports past retention deleted'
  redis.call('RPUSH', KEYS[2], cjson.encode(e))
end
return #ids
