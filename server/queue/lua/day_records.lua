-- Read one business date back (read only): its archive when the date was closed, else its live tickets and
-- reservations, in the same stored form (server/queue/archive.py decodes both with the same functions).
-- KEYS: 1 archive meta, 2 archived tickets, 3 archived reservations, 4 day set, 5 reservations of the date
-- ARGV: 1 ticket key prefix, 2 reservation key prefix, 3 reservation fields the archive keeps (JSON list)
-- Returns: {archived_at ISO or '' (not archived), tickets as a JSON array in issue order, reservations as a
--          JSON array by slot start}
local archived_at = redis.call('HGET', KEYS[1], 'archived_at')
if archived_at then
  return {archived_at, json_array(redis.call('LRANGE', KEYS[2], 0, -1)),
    json_array(redis.call('LRANGE', KEYS[3], 0, -1))}
end
local tickets = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  local t = hmap(ARGV[1] .. id)
  if t.id then tickets[#tickets + 1] = stored_ticket(t) end
end
local fields = cjson.decode(ARGV[3])
local reservations = {}
for _, code in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  local r = hmap(ARGV[2] .. code)
  if r.code then reservations[#reservations + 1] = stored_reservation(r, fields) end
end
return {'', json_array(tickets), json_array(reservations)}
