-- Post or take down a notice of a site (boards' ticker, kiosks) and append notice.changed with the
-- whole current list, so a client replaces its list and never has to merge.
-- KEYS: 1 seq, 2 events, 3 notices hash (id -> JSON), 4 audit list
-- ARGV: 1 stream maxlen, 2 now ISO, 3 mode set|clear, 4 notice id, 5 notice JSON (mode set),
--       6 most notices kept at once, 7 staff audit entry (JSON or '')
-- Returns: the notices as a JSON list (oldest first); errors not_found (clear of an unknown id),
--          too_many_notices (set beyond the limit)
if ARGV[3] == 'set' then
  if redis.call('HEXISTS', KEYS[3], ARGV[4]) == 0 and redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[6]) then
    return fail('too_many_notices', 'at most ' .. ARGV[6] .. ' notices at once; take one down first')
  end
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
else
  if redis.call('HDEL', KEYS[3], ARGV[4]) == 0 then return fail('not_found', 'no notice ' .. ARGV[4]) end
end
local list = {}
for _, v in ipairs(redis.call('HVALS', KEYS[3])) do list[#list + 1] = cjson.decode(v) end
table.sort(list, function(a, b)
  if a.created_at == b.created_at then return a.id < b.id end
  return a.created_at < b.created_at
end)
-- no notices left: the event has none (an empty table would be written as {})
emit(KEYS[1], KEYS[2], ARGV[1], 'notice.changed', ARGV[2], {notices = list_or_nil(list)})
audit(KEYS[4], ARGV[7], nil)
if #list == 0 then return '[]' end
return cjson.encode(list)
