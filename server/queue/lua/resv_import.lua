-- Import reservations (a CSV already checked row by row in Python): either every row or none. Checks again,
-- atomically, that no code exists and no slot overflows; then books them all and appends
-- reservation.changed for each.
-- KEYS: 1 seq, 2 events, 3 all reservations (zset), 4 release queue, 5 purge queue, 6 audit list
-- ARGV: 1 stream maxlen, 2 now ISO, 3 rows (JSON list of {row, fields, capacity, slot_at, release_at,
--       purge_at}), 4 reservation key prefix, 5 slot holders key prefix, 6 reservations-of-a-date prefix,
--       7 staff audit entry (JSON or ''), 8 the archive meta key of each date of the rows (JSON object date -> key;
--       the key exists once the date was closed)
-- Returns: {imported count, problems JSON [{row, column, message}]}; nothing is written when problems (a row for a
--          closed date is one: that date's archive and reports are final, and the row would be in neither)
local rows = cjson.decode(ARGV[3])
local closed = {}
for date, meta_key in pairs(cjson.decode(ARGV[8])) do closed[date] = redis.call('EXISTS', meta_key) == 1 end
local problems = {}
local adding = {}
for _, row in ipairs(rows) do
  local r = row.fields
  if closed[r.date] then
    problems[#problems + 1] = {row = row.row, column = 'date',
      message = r.date .. ' was closed (archived): nothing is added to it'}
  end
  if redis.call('EXISTS', ARGV[4] .. r.code) == 1 then
    problems[#problems + 1] = {row = row.row, column = 'code', message = r.code .. ' already exists'}
  end
  if r.status == 'booked' or r.status == 'checked_in' then
    local slot = rslot_key(ARGV[5], r.date, r.service, r.start)
    adding[slot] = (adding[slot] or 0) + 1
    if redis.call('SCARD', slot) + adding[slot] > tonumber(row.capacity) then
      problems[#problems + 1] = {row = row.row, column = 'start',
        message = 'the slot ' .. r.date .. ' ' .. r.start .. ' has no place left (' .. row.capacity .. ' places)'}
    end
  end
end
if #problems > 0 then return {0, cjson.encode(problems)} end
for _, row in ipairs(rows) do
  local r = row.fields
  save(ARGV[4] .. r.code, r)
  if r.status == 'booked' or r.status == 'checked_in' then
    redis.call('SADD', rslot_key(ARGV[5], r.date, r.service, r.start), r.code)
  end
  if r.status == 'booked' then redis.call('ZADD', KEYS[4], row.release_at, r.code) end
  redis.call('ZADD', rday_key(ARGV[6], r.date), row.slot_at, r.code)
  redis.call('ZADD', KEYS[3], row.slot_at, r.code)
  redis.call('ZADD', KEYS[5], row.purge_at, r.code)
  resv_changed(KEYS[1], KEYS[2], ARGV[1], ARGV[2], r)
end
resv_audit(KEYS[6], ARGV[7], '', #rows .. ' reservations imported')
return {#rows, '[]'}
