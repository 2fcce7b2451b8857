-- Call a ticket to a counter: the next one by the call order (server/queue/rules.py choose_next),
-- or a given number. Appends ticket.called. The first call of a ticket also sets first_called_at, where its
-- wait ends in the reports; a later call (after "back to queue", a transfer, a reinstated no-show) or a recall
-- does not. The operator then holds the ticket (KEYS[8]) until it leaves called/serving: nobody holds two
-- (operator_busy), a counter holds one (counter_busy).
-- KEYS: 1 seq, 2 events, 3 counter hash, 4 streak, 5 recent calls of the date, 6 number index of the date, 7 audit list,
--       8 the operator's held-ticket key, 9 the click's action key (see ARGV 17)
-- ARGV: 1 ticket key prefix, 2 queue prefix, 3 business date, 4 now ms, 5 now ISO, 6 ratio,
--       7 early ms, 8 counter id, 9 counter label, 10 operator, 11 stream maxlen, 12 recent calls kept,
--       13 mode next|number, 14 number (mode number), 15 staff audit entry (JSON or ''),
--       16 seconds the held-ticket, action and recent-calls keys live, 17 '1' when the click sent an action key,
--       18 the line reader's key names (JSON, server/queue/store.py line_keys)
-- The event carries the called ticket and its service's line after the call (server/views.py RawTicketEvent).
-- Returns: the called ticket as JSON (a repeated action key: the ticket that click called, as it is now,
--          and no event); errors counter_not_open, counter_busy, operator_busy, no_waiting_ticket, not_found,
--          invalid_transition, idempotency_key_reused
if ARGV[17] == '1' then
  local done = redis.call('GET', KEYS[9])
  if done then
    local kind, id = string.match(done, '^([^\t]*)\t(.*)$')
    if kind ~= 'call:' .. ARGV[8] then
      return fail('idempotency_key_reused', 'this action key was already used for another action')
    end
    return cjson.encode(hmap(ARGV[1] .. id))
  end
end
local c = hmap(KEYS[3])
if c.status ~= 'open' then return fail('counter_not_open', 'the counter is not open') end
if c.ticket and c.ticket ~= '' then
  local held = redis.call('HMGET', ARGV[1] .. c.ticket, 'status', 'number')
  if held[1] == 'called' or held[1] == 'serving' then
    return held_refusal('counter_busy', held[2], ARGV[8],
      'the counter already holds ' .. held[2] .. '; finish it first')
  end
end
local operator = ARGV[10]
if operator ~= '' then
  local mine = redis.call('GET', KEYS[8])
  if mine and mine ~= '' then
    local held = redis.call('HMGET', ARGV[1] .. mine, 'status', 'number', 'counter_label', 'counter')
    if held[1] == 'called' or held[1] == 'serving' then
      return held_refusal('operator_busy', held[2], held[4], 'you already hold ' .. held[2] .. ' at ' ..
        (held[3] or '?') .. '; finish or return it before calling another number')
    end
  end
end
local services = cjson.decode(c.services or '[]')
local date = ARGV[3]
local chosen = nil
local chosen_key = nil

if ARGV[13] == 'number' then
  local id = redis.call('HGET', KEYS[6], ARGV[14])
  if not id then return fail('not_found', 'no ticket ' .. ARGV[14] .. ' today') end
  local st = redis.call('HMGET', ARGV[1] .. id, 'status', 'service', 'klass')
  if st[1] == 'no_show' then
    return fail('invalid_transition', ARGV[14] .. ' was marked as a no-show: reinstate it first')
  elseif st[1] ~= 'waiting' then
    return fail('invalid_transition', ARGV[14] .. ' is ' .. tostring(st[1]) .. ', not waiting: it cannot be called')
  end
  chosen = id
  chosen_key = qkey(ARGV[2], date, st[2], st[3])
else
  local now = tonumber(ARGV[4])
  local best = {}
  for _, svc in ipairs(services) do
    -- reservations: earliest slot, ties by issue order
    local rk = qkey(ARGV[2], date, svc, 'resv')
    local head = redis.call('ZRANGE', rk, 0, 0, 'WITHSCORES')
    if #head > 0 then
      local slot = tonumber(head[2])
      for _, id in ipairs(redis.call('ZRANGEBYSCORE', rk, slot, slot)) do
        local ord = tonumber(redis.call('HGET', ARGV[1] .. id, 'order'))
        local b = best.resv
        if not b or slot < b.slot or (slot == b.slot and ord < b.order) then
          best.resv = {id = id, key = rk, slot = slot, order = ord}
        end
      end
    end
    for _, klass in ipairs({'prio', 'walk'}) do
      local k = qkey(ARGV[2], date, svc, klass)
      local h = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
      if #h > 0 then
        local ord = tonumber(h[2])
        if not best[klass] or ord < best[klass].order then best[klass] = {id = h[1], key = k, order = ord} end
      end
    end
  end
  local streak = tonumber(redis.call('GET', KEYS[4]) or '0')
  local due = nil
  if best.resv and best.resv.slot <= now + tonumber(ARGV[7]) then due = best.resv end
  local ahead = due or best.prio
  local pick = nil
  if ahead and (not best.walk or streak < tonumber(ARGV[6])) then
    pick = ahead
    if best.walk then streak = streak + 1 else streak = 0 end
  elseif best.walk then
    pick = best.walk
    streak = 0
  else
    pick = best.resv
    streak = 0
  end
  if not pick then return fail('no_waiting_ticket', 'nobody is waiting for the services of this counter') end
  redis.call('SET', KEYS[4], streak)
  chosen = pick.id
  chosen_key = pick.key
end

local tk = ARGV[1] .. chosen
redis.call('ZREM', chosen_key, chosen)
redis.call('HSET', tk, 'status', 'called', 'called_at', ARGV[4], 'counter', ARGV[8],
  'counter_label', ARGV[9], 'operator', ARGV[10])
redis.call('HSETNX', tk, 'first_called_at', ARGV[4])
redis.call('HSET', KEYS[3], 'ticket', chosen)
if operator ~= '' then redis.call('SET', KEYS[8], chosen, 'EX', tonumber(ARGV[16])) end
if ARGV[17] == '1' then redis.call('SET', KEYS[9], 'call:' .. ARGV[8] .. '\t' .. chosen, 'EX', tonumber(ARGV[16])) end
local t = hmap(tk)
redis.call('LPUSH', KEYS[5], cjson.encode({number = t.number, service = t.service, counter = ARGV[8],
  counter_label = ARGV[9], called_at = ARGV[5]}))
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[12]) - 1)
redis.call('EXPIRE', KEYS[5], tonumber(ARGV[16]))
local w = cjson.decode(ARGV[18])
emit(KEYS[1], KEYS[2], ARGV[11], 'ticket.called', ARGV[5], {ticket = event_ticket(t), lines = lines_of(w, {t.service}),
  streak = streak_of(w), from_status = 'waiting'})
audit(KEYS[7], ARGV[15], t)
return cjson.encode(t)
