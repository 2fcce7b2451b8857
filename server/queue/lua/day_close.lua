-- Close a business date: every ticket still waiting, called or serving becomes unserved, counters let
-- go of them, the date leaves the open days and its recent calls leave the boards; appends day.closed (only
-- when the date was open).
-- KEYS: 1 seq, 2 events, 3 day set, 4 open days, 5 audit list, 6 recent calls of the date
-- ARGV: 1 ticket key prefix, 2 queue prefix, 3 counter key prefix, 4 business date, 5 now ms, 6 now ISO,
--       7 stream maxlen, 8 staff audit entry (JSON or '')
-- Returns: {was open 1|0, tickets made unserved}
local was_open = redis.call('SISMEMBER', KEYS[4], ARGV[4])
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local tk = ARGV[1] .. id
  local st = redis.call('HMGET', tk, 'status', 'service', 'klass', 'counter')
  if st[1] == 'waiting' or st[1] == 'called' or st[1] == 'serving' then
    redis.call('ZREM', qkey(ARGV[2], ARGV[4], st[2], st[3]), id)
    redis.call('HSET', tk, 'status', 'unserved', 'finished_at', ARGV[5])
    if st[4] and st[4] ~= '' then
      local ck = ARGV[3] .. st[4]
      if redis.call('HGET', ck, 'ticket') == id then redis.call('HSET', ck, 'ticket', '') end
    end
    n = n + 1
  end
end
redis.call('SREM', KEYS[4], ARGV[4])
redis.call('DEL', KEYS[6])
if was_open == 1 then
  emit(KEYS[1], KEYS[2], ARGV[7], 'day.closed', ARGV[6], {business_date = ARGV[4], unserved = n})
end
if ARGV[8] ~= '' then
  local e = cjson.decode(ARGV[8])
  e['detail'] = ARGV[4] .. ': ' .. n .. ' unserved'
  redis.call('RPUSH', KEYS[5], cjson.encode(e))
end
return {was_open, n}
