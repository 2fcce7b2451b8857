-- Open, pause or close a counter; appends counter.changed. Opening an open or paused counter again
-- changes its services (and resumes it).
-- KEYS: 1 seq, 2 events, 3 counter hash, 4 audit list, 5 the click's action key (ARGV 10)
-- ARGV: 1 op open|pause|close, 2 services JSON (open), 3 counter id, 4 now ISO, 5 stream maxlen,
--       6 ticket key prefix, 7 operator, 8 reason (pause), 9 staff audit entry (JSON or ''),
--       10 '1' when the click sent an action key, 11 seconds the action key lives,
--       12 the line reader's key names (JSON, server/queue/store.py line_keys)
-- The event carries the counter and the lines of the services it served before or serves now: their estimates
-- follow the open counters (server/views.py RawCounterEvent).
-- Returns: the counter as JSON (server/views.py StoredCounter, with the ticket it holds; a repeated action key: the
--          counter as it is now, and no event); errors counter_busy when closing while holding a ticket,
--          idempotency_key_reused
local c = hmap(KEYS[3])
local held = nil
if c.ticket and c.ticket ~= '' then
  local t = hmap(ARGV[6] .. c.ticket)
  if t.status == 'called' or t.status == 'serving' then held = event_ticket(t) end
end
local function view_of(counter)
  return {id = ARGV[3], status = counter.status or 'closed', services = counter.services or '[]',
    reason = counter.reason or '', operator = counter.operator or '', ticket = held}
end
local op = ARGV[1]
if ARGV[10] == '1' then
  local done = redis.call('GET', KEYS[5])
  if done then
    if done ~= op .. '\t' .. ARGV[3] then
      return fail('idempotency_key_reused', 'this action key was already used for another action')
    end
    return cjson.encode(view_of(c))
  end
end
local before = cjson.decode(c.services or '[]')
if op == 'open' then
  redis.call('HSET', KEYS[3], 'status', 'open', 'services', ARGV[2], 'operator', ARGV[7], 'since', ARGV[4],
    'reason', '')
elseif op == 'pause' then
  redis.call('HSET', KEYS[3], 'status', 'paused', 'since', ARGV[4], 'reason', ARGV[8])
else
  if held then
    return held_refusal('counter_busy', held.number, ARGV[3],
      'the counter still holds ' .. held.number .. '; finish or return it first')
  end
  redis.call('HSET', KEYS[3], 'status', 'closed', 'since', ARGV[4], 'ticket', '', 'reason', '')
end
if ARGV[10] == '1' then redis.call('SET', KEYS[5], op .. '\t' .. ARGV[3], 'EX', tonumber(ARGV[11])) end
c = hmap(KEYS[3])
local view = view_of(c)
local touched, seen = {}, {}
for _, list in ipairs({before, cjson.decode(c.services or '[]')}) do
  for _, sid in ipairs(list) do
    if not seen[sid] then
      seen[sid] = true
      touched[#touched + 1] = sid
    end
  end
end
local w = cjson.decode(ARGV[12])
emit(KEYS[1], KEYS[2], ARGV[5], 'counter.changed', ARGV[4],
  {counter = view, lines = list_or_nil(lines_of(w, touched)), streak = streak_of(w)})
audit(KEYS[4], ARGV[9], nil)
return cjson.encode(view)
