-- Open, pause or close a counter; appends counter.changed. Opening an open or paused counter again
-- changes its services (and resumes it).
-- KEYS: 1 seq, 2 events, 3 counter hash, 4 audit list, 5 the click's action key (ARGV 10)
-- ARGV: 1 op open|pause|close, 2 services JSON (open), 3 counter id, 4 now ISO, 5 stream maxlen,
--       6 ticket key prefix, 7 operator, 8 reason (pause), 9 staff audit entry (JSON or ''),
--       10 '1' when the click sent an action key, 11 seconds the action key lives
-- Returns: the counter as JSON (a repeated action key: the counter as it is now, and no event);
--          errors counter_busy when closing while holding a ticket, idempotency_key_reused
local c = hmap(KEYS[3])
local function view_of(counter, holding)
  return {id = ARGV[3], status = counter.status or 'closed', services = counter.services or '[]',
    reason = counter.reason or '', operator = counter.operator or '', current_number = holding or ''}
end
local holding = nil
if c.ticket and c.ticket ~= '' then
  local held = redis.call('HMGET', ARGV[6] .. c.ticket, 'status', 'number')
  if held[1] == 'called' or held[1] == 'serving' then holding = held[2] end
end
local op = ARGV[1]
if ARGV[10] == '1' then
  local done = redis.call('GET', KEYS[5])
  if done then
    if done ~= op .. '\t' .. ARGV[3] then
      return fail('idempotency_key_reused', 'this action key was already used for another action')
    end
    return cjson.encode(view_of(c, holding))
  end
end
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
if ARGV[10] == '1' then redis.call('SET', KEYS[5], op .. '\t' .. ARGV[3], 'EX', tonumber(ARGV[11])) end
c = hmap(KEYS[3])
local view = view_of(c, holding)
emit(KEYS[1], KEYS[2], ARGV[5], 'counter.changed', ARGV[4], {counter = view})
audit(KEYS[4], ARGV[9], nil)
return cjson.encode(view)
