-- Record an incident report (トラブル・苦情・業務改善報告書) or change one, with the staff audit entry in the
-- same step. No event: reports are read on the incidents page, never shown live on a board or console.
-- create: KEYS 1 the fiscal year's last report number, 2 the site's incidents zset, 3 audit list
--         ARGV 1 'create', 2 id prefix ('<site>.<fiscal year>-'), 3 incident key prefix, 4 fields JSON,
--              5 occurred at (epoch ms), 6 staff audit entry (JSON or '')
-- update: KEYS 1 the incident hash, 2 the site's incidents zset, 3 audit list
--         ARGV 1 'update', 2 incident id, 3 status to move to ('' for none), 4 the status it must be in for that
--              move ('' when nothing moves there), 5 statuses in which its text may change (comma list; '' when no text changes), 6 fields
--              JSON (the changes and who made them when), 7 occurred at (epoch ms, '' unchanged),
--              8 staff audit entry (JSON or '')
-- Returns: the incident as JSON; errors not_found, invalid_transition
local function record(key, fields)
  local flat = {}
  for k, v in pairs(fields) do
    flat[#flat + 1] = k
    flat[#flat + 1] = tostring(v)
  end
  if #flat > 0 then redis.call('HSET', key, unpack(flat)) end
end

-- the audit entry names the report: its id first in `detail`
local function audit_incident(entry_json, id)
  if entry_json == '' then return end
  local e = cjson.decode(entry_json)
  e['detail'] = id .. ((e['detail'] and e['detail'] ~= '') and (' ' .. e['detail']) or '')
  redis.call('RPUSH', KEYS[3], cjson.encode(e))
end

if ARGV[1] == 'create' then
  local n = redis.call('INCR', KEYS[1])
  local id = ARGV[2] .. string.format('%04d', n)
  local key = ARGV[3] .. id
  local fields = cjson.decode(ARGV[4])
  fields['id'] = id
  fields['status'] = 'open'
  record(key, fields)
  redis.call('ZADD', KEYS[2], ARGV[5], id)
  audit_incident(ARGV[6], id)
  return cjson.encode(hmap(key))
end

local cur = hmap(KEYS[1])
if not cur.id then return fail('not_found', 'no incident report ' .. ARGV[2]) end
local fields = cjson.decode(ARGV[6])
if ARGV[5] ~= '' and not set_of(ARGV[5])[cur.status] then
  return fail('invalid_transition', ARGV[2] .. ' is ' .. cur.status .. ': its text can no longer be changed')
end
if ARGV[3] ~= '' and ARGV[3] ~= cur.status then
  if ARGV[4] == '' or cur.status ~= ARGV[4] then
    return fail('invalid_transition', ARGV[2] .. ' is ' .. cur.status .. ': it cannot become ' .. ARGV[3])
  end
  fields['status'] = ARGV[3]
  fields[ARGV[3] .. '_at'] = fields['updated_at']
  fields[ARGV[3] .. '_by'] = fields['updated_by']
end
record(KEYS[1], fields)
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[2], ARGV[7], cur.id) end
audit_incident(ARGV[8], cur.id)
return cjson.encode(hmap(KEYS[1]))
