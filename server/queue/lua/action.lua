-- Move one ticket by an action of the transition table (server/queue/models.py TRANSITIONS):
-- recall, start, return, no_show, reinstate, complete, transfer, move, cancel. Appends the action's event.
-- Return and reinstate put the ticket back in its own line at its original place (issue order; a reservation's
-- slot time), as transfer does: it keeps its number and its place. Move puts a waiting ticket in the line of
-- another service the same way (the guide's answer to a paused service); it refuses a paused service.
-- Keeps who holds the ticket (server/queue/keys.py SiteKeys.operator): recall or start by another operator
-- hands it over (refused with operator_busy when that operator holds another one); every action that lets
-- the ticket go (return, no_show, complete, transfer, cancel of a called ticket) frees its holder.
-- A ticket of today is not moved any more once today was closed (day_close.lua archived it): day_closed.
-- KEYS: 1 seq, 2 events, 3 ticket hash, 4 recent calls of today (ARGV 22), 5 audit list,
--       6 the click's action key (ARGV 19), 7 archive meta of today, 8 paused services of the site (move, transfer)
-- ARGV: 1 action, 2 allowed source statuses (comma list), 3 target status, 4 event type, 5 now ms,
--       6 now ISO, 7 queue prefix, 8 counter key prefix, 9 stream maxlen, 10 recent calls kept,
--       11 operator, 12 outcome, 13 note, 14 new service (transfer, move), 15 durations key prefix,
--       16 durations kept, 17 staff audit entry (JSON or ''), 18 held-ticket key prefix,
--       19 '1' when the click sent an action key, 20 seconds the held-ticket, action and recent-calls keys
--       live, 21 ticket key prefix, 22 today's business date (only today's tickets are reinstated; only a
--       recall of today's ticket goes into today's recent calls), 23 the line reader's key names (JSON,
--       server/queue/store.py line_keys)
-- The event carries the ticket after the action (one that left a counter names that counter: boards take its
-- number off it), the status it came from, and the lines of its service (and of the one it left, for a transfer
-- or a move) after the action (server/views.py RawTicketEvent).
-- Returns: the ticket as JSON (a repeated action key: the ticket as it is now, and no event);
--          errors not_found, day_closed, invalid_transition, operator_busy, idempotency_key_reused,
--          service_paused (move or transfer to a paused service)
local t = hmap(KEYS[3])
if not t.id then return fail('not_found', 'no such ticket') end
local action = ARGV[1]
if ARGV[19] == '1' then
  local done = redis.call('GET', KEYS[6])
  if done then
    if done ~= action .. '\t' .. t.id then
      return fail('idempotency_key_reused', 'this action key was already used for another action')
    end
    return cjson.encode(t)
  end
end
if t.business_date == ARGV[22] then
  local closed = closed_refusal(KEYS[7], t.business_date)
  if closed then return closed end
end
if not set_of(ARGV[2])[t.status] then
  return fail('invalid_transition', t.number .. ' is ' .. t.status .. ': it cannot be ' .. action)
end
if action == 'reinstate' and t.business_date ~= ARGV[22] then
  return fail('invalid_transition', t.number .. ' is a ticket of ' .. t.business_date ..
    ': only today\'s tickets can be reinstated')
end
local actor = ARGV[11]
local holder = t.operator or ''
local keeps_holding = (action == 'recall' or action == 'start')
if keeps_holding and actor ~= '' and actor ~= holder then
  local mine = redis.call('GET', ARGV[18] .. actor)
  if mine and mine ~= '' and mine ~= t.id then
    local held = redis.call('HMGET', ARGV[21] .. mine, 'status', 'number', 'counter_label', 'counter')
    if held[1] == 'called' or held[1] == 'serving' then
      return held_refusal('operator_busy', held[2], held[4], 'you already hold ' .. held[2] .. ' at ' ..
        (held[3] or '?') .. '; finish or return it first')
    end
  end
end
-- back in its own line at its own place: issue order, or a reservation's slot time
local function requeue()
  local score = t.order
  if t.klass == 'resv' then score = t.slot_at end
  redis.call('ZADD', qkey(ARGV[7], t.business_date, t.service, t.klass), score, t.id)
end

local now = ARGV[5]
local extra = {from_status = t.status}
local release_counter = false

-- transfer and move: the ticket keeps where it came from (the archive and the reports read it) and waits in the
-- line of the new service with its number and issue order, so at the same place among that line's tickets
local function change_service(counter)
  extra.from_service = t.service
  local transfers = cjson.decode(t.transfers or '[]')
  transfers[#transfers + 1] = {from = t.service, to = ARGV[14], at = ARGV[6], note = ARGV[13],
    operator = ARGV[11], counter = counter}
  t.transfers = cjson.encode(transfers)
  t.service = ARGV[14]
  requeue()
end

if action == 'recall' then
  t.recall_count = tostring(tonumber(t.recall_count or '0') + 1)
  t.called_at = now
  if t.business_date == ARGV[22] then
    redis.call('LPUSH', KEYS[4], cjson.encode({number = t.number, service = t.service, counter = t.counter,
      counter_label = t.counter_label, called_at = ARGV[6], recall = tonumber(t.recall_count)}))
    redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[10]) - 1)
    redis.call('EXPIRE', KEYS[4], tonumber(ARGV[20]))
  end
elseif action == 'start' then
  t.serving_at = now
elseif action == 'return' then
  release_counter = true
  requeue()
elseif action == 'no_show' then
  release_counter = true
  t.finished_at = now
elseif action == 'reinstate' then
  -- the visitor came back after all: the ticket waits again where it stood, and is no longer finished
  requeue()
  redis.call('HDEL', KEYS[3], 'finished_at')
  t.finished_at = nil
  t.counter = ''
  t.counter_label = ''
elseif action == 'complete' then
  release_counter = true
  t.finished_at = now
  t.outcome = ARGV[12]
  t.note = ARGV[13]
  if t.serving_at then
    local dkey = ARGV[15] .. t.business_date .. ':' .. t.service
    redis.call('LPUSH', dkey, (tonumber(now) - tonumber(t.serving_at)) / 1000)
    redis.call('LTRIM', dkey, 0, tonumber(ARGV[16]) - 1)
    redis.call('EXPIRE', dkey, 172800)
  end
elseif action == 'transfer' then
  if ARGV[14] == t.service then
    return fail('invalid_transition', 'the ticket is already for ' .. t.service)
  end
  -- nobody is sent to wait for a service the kiosk refuses for an outage
  local paused = paused_refusal(KEYS[8], ARGV[14])
  if paused then return paused end
  release_counter = true
  change_service(t.counter)
elseif action == 'move' then
  -- a waiting ticket, out of its service's line into another's (a paused service's visitors)
  if ARGV[14] == t.service then
    return fail('invalid_transition', t.number .. ' is already waiting for ' .. t.service)
  end
  local paused = paused_refusal(KEYS[8], ARGV[14])
  if paused then return paused end
  redis.call('ZREM', qkey(ARGV[7], t.business_date, t.service, t.klass), t.id)
  change_service('')
elseif action == 'cancel' then
  if t.status == 'waiting' then
    redis.call('ZREM', qkey(ARGV[7], t.business_date, t.service, t.klass), t.id)
  else
    release_counter = true
  end
  t.finished_at = now
end

-- who holds the ticket now: the actor when it stays called/serving, nobody when it left the counter
local function let_go(login)
  if login ~= '' and redis.call('GET', ARGV[18] .. login) == t.id then redis.call('DEL', ARGV[18] .. login) end
end
if keeps_holding and actor ~= '' then
  if actor ~= holder then let_go(holder) end
  redis.call('SET', ARGV[18] .. actor, t.id, 'EX', tonumber(ARGV[20]))
elseif not keeps_holding then
  let_go(holder)
  let_go(actor)
end
if ARGV[19] == '1' then redis.call('SET', KEYS[6], action .. '\t' .. t.id, 'EX', tonumber(ARGV[20])) end
local left_counter = t.counter
local left_label = t.counter_label
if release_counter and t.counter ~= '' then
  local ck = ARGV[8] .. t.counter
  if redis.call('HGET', ck, 'ticket') == t.id then redis.call('HSET', ck, 'ticket', '') end
end
t.status = ARGV[3]
if ARGV[11] ~= '' then t.operator = ARGV[11] end
if t.status == 'waiting' then
  t.counter = ''
  t.counter_label = ''
end
local flat = {}
for k, v in pairs(t) do flat[#flat + 1] = k; flat[#flat + 1] = v end
redis.call('HSET', KEYS[3], unpack(flat))
local view = event_ticket(t)
if release_counter then
  -- boards take the number off the counter it left
  view.counter = left_counter
  view.counter_label = left_label
end
extra.ticket = view
local w = cjson.decode(ARGV[23])
local touched = {t.service}
if extra.from_service then touched[2] = extra.from_service end
extra.lines = lines_of(w, touched)
extra.streak = streak_of(w)
emit(KEYS[1], KEYS[2], ARGV[9], ARGV[4], ARGV[6], extra)
audit(KEYS[5], ARGV[17], {id = t.id, number = t.number, counter = left_counter})
return cjson.encode(t)
