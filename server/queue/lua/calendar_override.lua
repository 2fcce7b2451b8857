-- Add, change or remove a calendar override of a site (server/calendar_store.py) with the staff audit entry, and
-- append calendar.changed: every server process reloads the site's overrides on it, kiosks and boards their day.
-- KEYS: 1 seq, 2 events, 3 the site's overrides hash (id -> JSON with "dates": ["YYYY-MM-DD", ...]), 4 audit list
-- ARGV: 1 stream maxlen, 2 now ISO, 3 op add|change|remove, 4 override id, 5 override JSON (add, change; '' for
--       remove), 6 staff audit entry (JSON or '')
-- Returns: the override's JSON as stored (remove: as it was); errors override_exists (add of an id in use),
--          not_found (change or remove of an unknown id), override_conflict (another override of the site covers
--          one of its dates: one override per site and date)
local old = redis.call('HGET', KEYS[3], ARGV[4])
if ARGV[3] == 'add' and old then
  return fail('override_exists', 'calendar override ' .. ARGV[4] .. ' exists already')
elseif ARGV[3] ~= 'add' and not old then
  return fail('not_found', 'no calendar override ' .. ARGV[4])
end
local o
if ARGV[3] == 'remove' then
  o = cjson.decode(old)
  redis.call('HDEL', KEYS[3], ARGV[4])
else
  o = cjson.decode(ARGV[5])
  local mine = {}
  for _, d in ipairs(o.dates) do mine[d] = true end
  for id, stored in pairs(hmap(KEYS[3])) do
    if id ~= ARGV[4] then
      local other = cjson.decode(stored)
      for _, d in ipairs(other.dates) do
        if mine[d] then
          return fail('override_conflict', d .. ' has an override already (' .. other.kind .. ', ' .. id ..
            '): change or remove that one')
        end
      end
    end
  end
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
end
emit(KEYS[1], KEYS[2], ARGV[1], 'calendar.changed', ARGV[2],
  {op = ARGV[3], override = {id = o.id, kind = o.kind, dates = o.dates}})
audit(KEYS[4], ARGV[6], nil)
if ARGV[3] == 'remove' then return old end
return ARGV[5]
