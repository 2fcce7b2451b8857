-- Close a business date and archive it, once. Every ticket still waiting, called or serving becomes unserved
-- (counters let go of it), booked reservations past their release time become no-shows, then the date is archived:
-- each ticket as it stands (without its token) in issue order, each reservation (without name or phone) by slot
-- start, a meta hash saying when, how many and by whom, and the date among the archived days. The date leaves the
-- open days and its recent calls leave the boards; appends day.closed.
-- Exactly once: the archive meta key is looked at first and written only here, in the same atomic step as the
-- archive, so of any number of closes of one date (server processes, restarts, the manual route) the first
-- archives and every later one changes nothing. Issuing and check-in refuse a date whose meta key exists.
-- KEYS: 1 seq, 2 events, 3 day set, 4 open days, 5 audit list, 6 recent calls of the date, 7 archive meta,
--       8 archived tickets, 9 archived reservations, 10 archived days, 11 reservations of the date,
--       12 reservation release queue
-- ARGV: 1 ticket key prefix, 2 queue prefix, 3 counter key prefix, 4 business date, 5 now ms, 6 now ISO,
--       7 stream maxlen, 8 staff audit entry (JSON or ''), 9 reservation key prefix, 10 slot holders key prefix,
--       11 reservation fields the archive keeps (JSON list), 12 who closes (a login, or 'system'),
--       13 the date's score in the archived days (yyyymmdd)
-- Returns: {the date had open tickets 1|0, tickets made unserved, archived by this call 1|0}
local function log(detail)
  if ARGV[8] ~= '' then
    local e = cjson.decode(ARGV[8])
    e['detail'] = ARGV[4] .. ': ' .. detail
    redis.call('RPUSH', KEYS[5], cjson.encode(e))
  end
end

if redis.call('EXISTS', KEYS[7]) == 1 then
  log('closed already')
  return {0, 0, 0}
end

local was_open = redis.call('SISMEMBER', KEYS[4], ARGV[4])
local n = 0
local tickets = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local tk = ARGV[1] .. id
  local t = hmap(tk)
  if t.status == 'waiting' or t.status == 'called' or t.status == 'serving' then
    redis.call('ZREM', qkey(ARGV[2], ARGV[4], t.service, t.klass), id)
    t.status = 'unserved'
    t.finished_at = ARGV[5]
    redis.call('HSET', tk, 'status', t.status, 'finished_at', t.finished_at)
    if t.counter and t.counter ~= '' then
      local ck = ARGV[3] .. t.counter
      if redis.call('HGET', ck, 'ticket') == id then redis.call('HSET', ck, 'ticket', '') end
    end
    n = n + 1
  end
  if t.id then tickets[#tickets + 1] = stored_ticket(t) end
end

local now = tonumber(ARGV[5])
local fields = cjson.decode(ARGV[11])
local reservations = {}
for _, code in ipairs(redis.call('ZRANGE', KEYS[11], 0, -1)) do
  local key = ARGV[9] .. code
  local r = hmap(key)
  if r.code then
    local due = redis.call('ZSCORE', KEYS[12], code)
    if r.status == 'booked' and due and tonumber(due) <= now then
      redis.call('ZREM', KEYS[12], code)
      release_reservation(key, r, ARGV[10], KEYS[1], KEYS[2], ARGV[7], ARGV[6])
    end
    reservations[#reservations + 1] = stored_reservation(r, fields)
  end
end

for _, text in ipairs(tickets) do redis.call('RPUSH', KEYS[8], text) end
for _, text in ipairs(reservations) do redis.call('RPUSH', KEYS[9], text) end
redis.call('HSET', KEYS[7], 'archived_at', ARGV[6], 'tickets', #tickets, 'reservations', #reservations,
  'by', ARGV[12])
redis.call('ZADD', KEYS[10], tonumber(ARGV[13]), ARGV[4])
redis.call('SREM', KEYS[4], ARGV[4])
redis.call('DEL', KEYS[6])
emit(KEYS[1], KEYS[2], ARGV[7], 'day.closed', ARGV[6],
  {business_date = ARGV[4], unserved = n, tickets = #tickets, reservations = #reservations})
log(n .. ' unserved, archived (' .. #tickets .. ' tickets, ' .. #reservations .. ' reservations)')
return {was_open, n, 1}
