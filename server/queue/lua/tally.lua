-- Count a phone inquiry or a visitor only directed (電話問い合わせ・案内のみ) by topic, or take one back
-- (undo: never below 0), with the staff audit entry, and append tally.changed carrying every count of the
-- date: two consoles of the site show the same numbers at once, and a client replaces its counts.
-- KEYS: 1 seq, 2 events, 3 the date's tallies hash, 4 tally days zset, 5 audit list, 6 the click's action key
-- ARGV: 1 stream maxlen, 2 now ISO, 3 field '<kind>:<topic>', 4 delta (1 or -1), 5 the date (YYYY-MM-DD),
--       6 the date's score (yyyymmdd), 7 staff audit entry (JSON or ''), 8 '1' when the click sent an
--       action key, 9 seconds the action key lives
-- Returns: the date's counts as JSON {kind: {topic: n}}; a repeated action key: the counts as they are now,
--          and no event; errors nothing_to_undo (taking back a count that is 0), idempotency_key_reused
local function counts()
  local out = {}
  for field, n in pairs(hmap(KEYS[3])) do
    local kind, topic = string.match(field, '^([^:]+):(.+)$')
    if kind then
      out[kind] = out[kind] or {}
      out[kind][topic] = tonumber(n)
    end
  end
  return out
end

local did = 'tally\t' .. ARGV[3] .. '\t' .. ARGV[4] .. '\t' .. ARGV[5]
if ARGV[8] == '1' then
  local done = redis.call('GET', KEYS[6])
  if done then
    if done ~= did then
      return fail('idempotency_key_reused', 'this action key was already used for another action')
    end
    return cjson.encode(counts())
  end
end
local delta = tonumber(ARGV[4])
if delta < 0 and tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0') + delta < 0 then
  return fail('nothing_to_undo', 'the count of ' .. ARGV[3] .. ' on ' .. ARGV[5] .. ' is already 0')
end
redis.call('HINCRBY', KEYS[3], ARGV[3], delta)
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
if ARGV[8] == '1' then redis.call('SET', KEYS[6], did, 'EX', ARGV[9]) end
local all = counts()
local kind, topic = string.match(ARGV[3], '^([^:]+):(.+)$')
emit(KEYS[1], KEYS[2], ARGV[1], 'tally.changed', ARGV[2],
  {date = ARGV[5], kind = kind, topic = topic, delta = delta, counts = all})
audit(KEYS[5], ARGV[7], nil)
return cjson.encode(all)
