-- Helpers shared by every madoguchi script; prepended to each script when it is loaded
-- (server/queue/store.py). Key names arrive from server/queue/keys.py as KEYS or as prefixes in
-- ARGV; qkey() below is the one place a script completes a name, mirroring SiteKeys.queue().

local function hmap(key)
  local flat = redis.call('HGETALL', key)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end

local function qkey(queue_prefix, date, service, klass)
  return queue_prefix .. date .. ':' .. service .. ':' .. klass
end

local function set_of(csv)
  local s = {}
  for part in string.gmatch(csv, '[^,]+') do s[part] = true end
  return s
end

-- The ticket as events carry it (staff projection; the fan-out strips id and operator for the public).
local function ticket_view(t)
  return {
    id = t.id, number = t.number, service = t.service, status = t.status, channel = t.channel,
    priority = (t.priority == '1'), counter = t.counter or '', counter_label = t.counter_label or '',
    operator = t.operator or '',
  }
end

-- Appends one event with the site's next seq; the stream entry id is '<seq>-0' so `since` resumes
-- with XRANGE and readers track ids without a lookup table.
local function emit(seq_key, events_key, maxlen, etype, at, payload)
  local seq = redis.call('INCR', seq_key)
  payload['type'] = etype
  payload['seq'] = seq
  payload['at'] = at
  redis.call('XADD', events_key, 'MAXLEN', '~', maxlen, seq .. '-0', 'e', cjson.encode(payload))
  return seq
end

-- How many waiting tickets of the same service and date are called before ticket t.
local function ahead_of(queue_prefix, t)
  if t.status ~= 'waiting' then return 0 end
  local resv = qkey(queue_prefix, t.business_date, t.service, 'resv')
  local prio = qkey(queue_prefix, t.business_date, t.service, 'prio')
  local walk = qkey(queue_prefix, t.business_date, t.service, 'walk')
  if t.klass == 'resv' then
    return redis.call('ZCOUNT', resv, '-inf', '(' .. t.slot_at)
  elseif t.klass == 'prio' then
    return redis.call('ZCARD', resv) + redis.call('ZCOUNT', prio, '-inf', '(' .. t.order)
  end
  return redis.call('ZCARD', resv) + redis.call('ZCARD', prio) + redis.call('ZCOUNT', walk, '-inf', '(' .. t.order)
end

local function fail(code, detail)
  return redis.error_reply(code .. ' ' .. detail)
end

-- Appends the caller's staff audit entry (JSON, '' for none) in the same step as the change it records,
-- completed with what only the script knows: the ticket, its number and its counter.
local function audit(key, entry_json, t)
  if entry_json == nil or entry_json == '' then return end
  local e = cjson.decode(entry_json)
  if t then
    e['ticket'] = t.id
    e['number'] = t.number
    if (e['counter'] == nil or e['counter'] == '') and t.counter and t.counter ~= '' then e['counter'] = t.counter end
  end
  redis.call('RPUSH', key, cjson.encode(e))
end
