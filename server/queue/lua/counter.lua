-- Open, pause or close a counter; appends counter.changed.
-- KEYS: 1 seq, 2 events, 3 counter hash, 4 audit list
-- ARGV: 1 op open|pause|close, 2 services JSON (open), 3 counter id, 4 now ISO, 5 stream maxlen,
--       6 ticket key prefix, 7 operator, 8 reason (pause), 9 staff audit entry (JSON or '')
-- Returns: the counter as JSON; error counter_busy when closing while holding a ticket
local c = hmap(KEYS[3])
local holding = nil
if c.ticket and c.ticket ~= '' then
  local held = redis.call('HMGET', ARGV[6] .. c.ticket, 'status', 'number')
  if held[1] == 'called' or held[1] == 'serving' then holding = held[2] end
end
local op = ARGV[1]
if op == 'open' then
  redis.call('HSET', KEYS[3], 'status', 'open', 'services', ARGV[2], 'operator', ARGV[7], 'since', ARGV[4],
    'reason', '')
elseif op == 'pause' then
  redis.call('HSET', KEYS[3], 'status', 'paused', 'since', ARGV[4], 'reason', ARGV[8])
else
  if holding then
    return fail('counter_busy', 'the counter still holds ' .. holding .. '; finish or return it first')
  end
  redis.call('HSET', KEYS[3], 'status', 'closed', 'since', ARGV[4], 'ticket', '', 'reason', '')
end
c = hmap(KEYS[3])
local view = {id = ARGV[3], status = c.status, services = c.services or '[]', reason = c.reason or '',
  current_number = holding or ''}
emit(KEYS[1], KEYS[2], ARGV[5], 'counter.changed', ARGV[4], {counter = view})
audit(KEYS[4], ARGV[9], nil)
return cjson.encode(view)
