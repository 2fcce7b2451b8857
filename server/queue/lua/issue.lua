-- Issue a ticket: number it, queue it, index it, and append ticket.issued.
-- KEYS: 1 seq, 2 events, 3 issue order, 4 number counter (date, series), 5 day set, 6 open days,
--       7 waiting line of the ticket's class, 8 number index of the date, 9 idempotency key, 10 audit list
-- ARGV: 1 ticket key prefix, 2 id, 3 prefix, 4 digits, 5 service, 6 channel, 7 priority 0|1, 8 lang,
--       9 token, 10 now ms, 11 now ISO, 12 business date, 13 class resv|prio|walk, 14 slot ms (resv),
--       15 idempotency ttl s (0 = no key), 16 stream maxlen, 17 queue prefix, 18 reservation code,
--       19 counter key prefix, 20 the site's counter ids (JSON), 21 recent durations key of the service,
--       22 staff audit entry (JSON, '' for a kiosk)
-- Returns: {created 1|0, ticket as JSON, waiting_ahead, recent service seconds of the service (list),
--          open counters serving the service} -- what the wait estimate needs, read in the same step
local function serving(service)
  local n = 0
  for _, cid in ipairs(cjson.decode(ARGV[20])) do
    local c = redis.call('HMGET', ARGV[19] .. cid, 'status', 'services')
    if c[1] == 'open' and c[2] and set_of(string.gsub(c[2], '[%[%]"]', ''))[service] then n = n + 1 end
  end
  return n
end

if tonumber(ARGV[15]) > 0 then
  local existing = redis.call('GET', KEYS[9])
  if existing then
    local t = hmap(ARGV[1] .. existing)
    if t.id then
      return {0, cjson.encode(t), ahead_of(ARGV[17], t), redis.call('LRANGE', ARGV[21], 0, -1), serving(t.service)}
    end
  end
end
local n = redis.call('INCR', KEYS[4])
local order = redis.call('INCR', KEYS[3])
local number = ARGV[3] .. string.format('%0' .. ARGV[4] .. 'd', n)
local t = {
  id = ARGV[2], number = number, service = ARGV[5], channel = ARGV[6], priority = ARGV[7],
  lang = ARGV[8], token = ARGV[9], status = 'waiting', issued_at = ARGV[10], business_date = ARGV[12],
  klass = ARGV[13], order = tostring(order), slot_at = ARGV[14], recall_count = '0', transfers = '[]',
  counter = '', counter_label = '', operator = '', reservation = ARGV[18],
}
local ahead = ahead_of(ARGV[17], t)
local flat = {}
for k, v in pairs(t) do flat[#flat + 1] = k; flat[#flat + 1] = v end
redis.call('HSET', ARGV[1] .. ARGV[2], unpack(flat))
local score = order
if ARGV[13] == 'resv' then score = tonumber(ARGV[14]) end
redis.call('ZADD', KEYS[7], score, ARGV[2])
redis.call('ZADD', KEYS[5], order, ARGV[2])
redis.call('SADD', KEYS[6], ARGV[12])
redis.call('HSET', KEYS[8], number, ARGV[2])
if tonumber(ARGV[15]) > 0 then redis.call('SET', KEYS[9], ARGV[2], 'EX', ARGV[15]) end
emit(KEYS[1], KEYS[2], ARGV[16], 'ticket.issued', ARGV[11], {ticket = ticket_view(t)})
audit(KEYS[10], ARGV[22], t)
return {1, cjson.encode(t), ahead, redis.call('LRANGE', ARGV[21], 0, -1), serving(ARGV[5])}
