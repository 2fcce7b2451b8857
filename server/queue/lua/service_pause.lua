-- Pause a service of a site (an upstream outage: J-LIS down, no card work for hours) or resume it, and append
-- service.changed with its audit entry in the same step. While the service is paused, issue.lua refuses it
-- (service_paused) and action.lua moves no ticket to it.
-- Pausing a paused service again with other reasons changes the reasons (it stays paused since the first pause);
-- pausing it with the same reasons, or resuming a service that is not paused, changes nothing: no event, no audit.
-- KEYS: 1 seq, 2 events, 3 paused services of the site (hash: service id -> JSON), 4 audit list of today
-- ARGV: 1 stream maxlen, 2 now ISO, 3 mode pause|resume, 4 service id, 5 reason_ja (pause), 6 reason_en ('' for
--       none), 7 who (staff login), 8 staff audit entry (JSON or '')
-- Returns: JSON {changed: true|false, pause: {service, reason_ja, reason_en, since, by} or false when running}
local service = ARGV[4]
local stored = redis.call('HGET', KEYS[3], service)
local before = stored and cjson.decode(stored) or nil
local function none(s) if s == nil or s == '' then return cjson.null end return s end

if ARGV[3] == 'resume' then
  if not before then return cjson.encode({changed = false, pause = false}) end
  redis.call('HDEL', KEYS[3], service)
  emit(KEYS[1], KEYS[2], ARGV[1], 'service.changed', ARGV[2],
    {service = service, paused = false, reason_ja = cjson.null, reason_en = cjson.null, since = cjson.null,
     by = ARGV[7]})
  audit(KEYS[4], ARGV[8], nil)
  return cjson.encode({changed = true, pause = false})
end

local reason_en = none(ARGV[6])
if before and before.reason_ja == ARGV[5] and before.reason_en == reason_en then
  return cjson.encode({changed = false, pause = before})
end
local pause = {service = service, reason_ja = ARGV[5], reason_en = reason_en,
  since = before and before.since or ARGV[2], by = ARGV[7]}
redis.call('HSET', KEYS[3], service, cjson.encode(pause))
emit(KEYS[1], KEYS[2], ARGV[1], 'service.changed', ARGV[2],
  {service = service, paused = true, reason_ja = pause.reason_ja, reason_en = pause.reason_en, since = pause.since,
   by = pause.by})
audit(KEYS[4], ARGV[8], nil)
return cjson.encode({changed = true, pause = pause})
