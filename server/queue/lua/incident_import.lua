-- Load one incident report from a handover archive (`madoguchi import`), once, keeping its id: the report hash,
-- its place among the site's reports (by when it occurred), and the fiscal year's report number raised to at least
-- its own, so a report recorded here later never takes the imported one's number. Appends the audit entry.
-- KEYS: 1 the incident hash, 2 the site's incidents zset, 3 the last report number of its fiscal year, 4 audit list
-- ARGV: 1 the report (JSON object of strings, as incident.lua stores it), 2 occurred at (epoch ms), 3 the serial
--       of its report number (3 for 2026-0003), 4 audit entry (JSON; its detail gets the report id)
-- Returns: 1 imported, 0 a report with this id exists here (nothing written: the caller compares it)
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = cjson.decode(ARGV[1])
local flat = {}
for k, v in pairs(fields) do
  flat[#flat + 1] = k
  flat[#flat + 1] = tostring(v)
end
redis.call('HSET', KEYS[1], unpack(flat))
redis.call('ZADD', KEYS[2], ARGV[2], fields['id'])
if tonumber(redis.call('GET', KEYS[3]) or '0') < tonumber(ARGV[3]) then redis.call('SET', KEYS[3], ARGV[3]) end
local e = cjson.decode(ARGV[4])
e['detail'] = fields['id'] .. ': imported' .. ((e['detail'] and e['detail'] ~= '') and (' ' .. e['detail']) or '')
redis.call('RPUSH', KEYS[4], cjson.encode(e))
return 1
