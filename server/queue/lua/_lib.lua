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

-- An empty list as an absent field: cjson writes an empty table as {} (an object), so a list that may be empty
-- is left out when it is (server/views.py declares those fields `list[...] | None = None`)
local function list_or_nil(t)
  if #t == 0 then return nil end
  return t
end

-- A ticket as events and the staff snapshot carry it (server/views.py StoredTicket): the stored hash without the
-- visitor's token (the fan-out projects it for staff and the public).
local function event_ticket(t)
  local out = {}
  for k, v in pairs(t) do
    if k ~= 'token' then out[k] = v end
  end
  return out
end

-- cjson.encode(t) with one more member, `name`, whose value is JSON already: what is encoded once goes into an
-- event and the script's answer alike (encoding a long waiting line is much of an issue's cost in the store).
local function encode_with(t, name, json)
  local s = cjson.encode(t)
  if s == '{}' then return '{"' .. name .. '":' .. json .. '}' end
  return string.sub(s, 1, -2) .. ',"' .. name .. '":' .. json .. '}'
end

-- Appends one event with the site's next seq; the stream entry id is '<seq>-0' so `since` resumes
-- with XRANGE and readers track ids without a lookup table. `raw_name`, `raw_json`: a member of the payload
-- encoded already (encode_with).
local function emit(seq_key, events_key, maxlen, etype, at, payload, raw_name, raw_json)
  local seq = redis.call('INCR', seq_key)
  payload['type'] = etype
  payload['seq'] = seq
  payload['at'] = at
  local body = raw_name and encode_with(payload, raw_name, raw_json) or cjson.encode(payload)
  redis.call('XADD', events_key, 'MAXLEN', '~', maxlen, seq .. '-0', 'e', body)
  return seq
end

-- Waiting lines, read in the step that changes them (server/views.py RawLine): what the call order, the wait
-- estimate and the longest current wait are computed from, once per event, in Python. `w` names the keys, one JSON
-- ARGV built by server/queue/store.py line_keys(): {tickets, queues, durations, counters (key prefixes),
-- counter_ids (the site's counters), paused, streak (keys), date (the business date of the lines)}.

-- One service's line: its waiting tickets by class with what the call order sorts them by, the issue time of the
-- longest-waiting one, the recent service times, the open counters serving it (`serving`) and its pause.
local function line_of(w, service, serving)
  local line = {service = service, serving = serving}
  local oldest = nil
  local function saw(at)
    at = tonumber(at)
    if at and (oldest == nil or at < oldest) then oldest = at end
  end
  -- reservations wait by slot, so any of them may be the oldest; the other lines wait in issue order
  local resv = {}
  local flat = redis.call('ZRANGE', qkey(w.queues, w.date, service, 'resv'), 0, -1, 'WITHSCORES')
  for i = 1, #flat, 2 do
    local t = redis.call('HMGET', w.tickets .. flat[i], 'order', 'issued_at')
    resv[#resv + 1] = {flat[i], tonumber(flat[i + 1]), tonumber(t[1])}
    saw(t[2])
  end
  line.resv = list_or_nil(resv)
  local prio = {}
  flat = redis.call('ZRANGE', qkey(w.queues, w.date, service, 'prio'), 0, -1, 'WITHSCORES')
  for i = 1, #flat, 2 do prio[#prio + 1] = {flat[i], tonumber(flat[i + 1])} end
  if #flat > 0 then saw(redis.call('HGET', w.tickets .. flat[1], 'issued_at')) end
  line.prio = list_or_nil(prio)
  -- the walk-ins, the long line, by id alone in the order they wait (ZRANGE's, by issue order): as Redis answers
  -- them, with no Lua table per ticket
  local walk = redis.call('ZRANGE', qkey(w.queues, w.date, service, 'walk'), 0, -1)
  if #walk > 0 then saw(redis.call('HGET', w.tickets .. walk[1], 'issued_at')) end
  line.walk = list_or_nil(walk)
  line.oldest = oldest
  local durations = {}
  for _, s in ipairs(redis.call('LRANGE', w.durations .. w.date .. ':' .. service, 0, -1)) do
    durations[#durations + 1] = tonumber(s)
  end
  line.durations = list_or_nil(durations)
  local pause = redis.call('HGET', w.paused, service)
  if pause then line.pause = cjson.decode(pause) end
  return line
end

-- The lines of `services` (a list of ids; one counters read for all of them).
local function lines_of(w, services)
  local serving = {}
  for _, cid in ipairs(w.counter_ids) do
    local c = redis.call('HMGET', w.counters .. cid, 'status', 'services')
    if c[1] == 'open' and c[2] then
      for sid in pairs(set_of(string.gsub(c[2], '[%[%]"]', ''))) do serving[sid] = (serving[sid] or 0) + 1 end
    end
  end
  local out = {}
  for _, service in ipairs(services) do out[#out + 1] = line_of(w, service, serving[service] or 0) end
  return out
end

-- The site's reservation/priority call streak (call.lua keeps it): the call order depends on it.
local function streak_of(w)
  return tonumber(redis.call('GET', w.streak) or '0')
end

local function fail(code, detail)
  return redis.error_reply(code .. ' ' .. detail)
end

-- Refused because a ticket is held (counter_busy, operator_busy): the detail is JSON {number, counter, detail}
-- (server/queue/errors.py HoldRefusal): the held ticket's number and its counter's id, which the consoles name in
-- their own language, and the sentence in English.
local function held_refusal(code, number, counter, detail)
  return fail(code, cjson.encode({number = number or '', counter = counter or '', detail = detail}))
end

-- nil while the business date is open, else the refusal: the date was closed (day_close.lua), its archive meta
-- key (SiteKeys.archive_meta) exists
local function closed_refusal(meta_key, date)
  if redis.call('EXISTS', meta_key) == 1 then
    return fail('day_closed', date .. ' was closed: nothing more is issued or checked in on that date')
  end
  return nil
end

-- nil while `service` is not paused, else the refusal service_paused whose detail is the pause as stored (JSON:
-- service, reason_ja, reason_en, since, by; server/queue/errors.py ServicePaused reads it). paused_key:
-- SiteKeys.paused (service_pause.lua writes it).
local function paused_refusal(paused_key, service)
  local pause = redis.call('HGET', paused_key, service)
  if pause then return fail('service_paused', pause) end
  return nil
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

-- Issue a ticket: number it, queue it, index it, append ticket.issued (issue.lua; resv_checkin.lua issues
-- the ticket of a reservation with it). K and A are issue.lua's KEYS and ARGV, positions as documented
-- there; a caller may pass more after them. Returns the answer as a table without its line, and the line as JSON
-- (a new ticket's with the walk-ins counted, not listed: the caller adds it with encode_with), or an error reply:
-- refused with day_closed once the business date was closed (its archive meta, K[11], exists), and with
-- service_paused while the service is paused when the caller passes `paused_key` (issue.lua does; a
-- reservation's check-in does not).
local function issue_ticket(K, A, paused_key)
  local w = cjson.decode(A[19])
  if tonumber(A[15]) > 0 then
    local existing = redis.call('GET', K[9])
    if existing then
      local t = hmap(A[1] .. existing)
      if t.id then
        return {created = false, ticket = t, streak = streak_of(w)}, cjson.encode(lines_of(w, {t.service})[1])
      end
    end
  end
  local closed = closed_refusal(K[11], A[12])
  if closed then return closed end
  local paused = paused_key and paused_refusal(paused_key, A[5])
  if paused then return paused end
  local n = redis.call('INCR', K[4])
  local order = redis.call('INCR', K[3])
  local number = A[3] .. string.format('%0' .. A[4] .. 'd', n)
  local t = {
    id = A[2], number = number, service = A[5], channel = A[6], priority = A[7],
    lang = A[8], token = A[9], status = 'waiting', issued_at = A[10], business_date = A[12],
    klass = A[13], order = tostring(order), slot_at = A[14], recall_count = '0', transfers = '[]',
    counter = '', counter_label = '', operator = '', reservation = A[18],
  }
  local flat = {}
  for k, v in pairs(t) do flat[#flat + 1] = k; flat[#flat + 1] = v end
  redis.call('HSET', A[1] .. A[2], unpack(flat))
  local score = order
  if A[13] == 'resv' then score = tonumber(A[14]) end
  redis.call('ZADD', K[7], score, A[2])
  redis.call('ZADD', K[5], order, A[2])
  redis.call('SADD', K[6], A[12])
  redis.call('HSET', K[8], number, A[2])
  if tonumber(A[15]) > 0 then redis.call('SET', K[9], A[2], 'EX', A[15]) end
  local read = lines_of(w, {A[5]})[1]
  local streak = streak_of(w)
  emit(K[1], K[2], A[16], 'ticket.issued', A[11], {ticket = event_ticket(t), streak = streak},
    'lines', '[' .. cjson.encode(read) .. ']')
  audit(K[10], A[20], t)
  -- the answer counts the walk-ins instead of listing them (RawLine.walk_count): the new ticket's place needs no
  -- more, and the answer stays small however long the line is
  read.walk_count = read.walk and #read.walk or 0
  read.walk = nil
  return {created = true, ticket = t, streak = streak}, cjson.encode(read)
end

-- Reservations (resv_*.lua) ----------------------------------------------------------------------------

-- A slot's holders and a date's reservations, mirroring SiteKeys.resv_slot() and SiteKeys.resv_day().
local function rslot_key(prefix, date, service, start)
  return prefix .. date .. ':' .. service .. ':' .. start
end

local function rday_key(prefix, date)
  return prefix .. date
end

local function save(key, t)
  local flat = {}
  for k, v in pairs(t) do flat[#flat + 1] = k; flat[#flat + 1] = v end
  redis.call('HSET', key, unpack(flat))
end

-- nil when reservation r may still change (it is booked), else the refusal naming its status
local function resv_refusal(r)
  if not r.code then return fail('reservation_not_found', 'no such reservation') end
  if r.status == 'checked_in' then
    return fail('already_checked_in', r.code .. ' was checked in already (ticket ' .. (r.ticket_number or '') .. ')')
  elseif r.status == 'cancelled' then
    return fail('reservation_cancelled', r.code .. ' was cancelled')
  elseif r.status == 'no_show' then
    return fail('reservation_no_show', r.code .. ' was not checked in in time and is a no-show')
  end
  return nil
end

-- reservation.changed: the slot and status only, never the name or phone number
local function resv_changed(seq_key, events_key, maxlen, at, r)
  return emit(seq_key, events_key, maxlen, 'reservation.changed', at,
    {reservation = {code = r.code, date = r.date, service = r.service, start = r.start, status = r.status}})
end

-- Appends a reservation's staff audit entry (JSON, '' for a kiosk or the system) with its code.
local function resv_audit(key, entry_json, code, detail)
  if entry_json == nil or entry_json == '' then return end
  local e = cjson.decode(entry_json)
  if code ~= '' then e['reservation'] = code end
  if detail and detail ~= '' then e['detail'] = detail end
  redis.call('RPUSH', key, cjson.encode(e))
end

-- A booked reservation not checked in by its release time becomes a no-show and frees its place; appends
-- reservation.changed (resv_release.lua, and day_close.lua for the date it closes).
local function release_reservation(key, r, slot_prefix, seq_key, events_key, maxlen, at)
  redis.call('SREM', rslot_key(slot_prefix, r.date, r.service, r.start), r.code)
  r.status = 'no_show'
  r.updated_at = at
  redis.call('HSET', key, 'status', r.status, 'updated_at', at)
  resv_changed(seq_key, events_key, maxlen, at, r)
end

-- The day archive (day_close.lua writes it once, day_records.lua reads it) ---------------------------------

-- A ticket as the archive keeps it and day_records.lua reads it (archived or live alike): the stored hash
-- without the visitor's token.
local function stored_ticket(t)
  t.token = nil
  return cjson.encode(t)
end

-- A reservation as the archive keeps it: only the fields listed (server/queue/archive.py RESERVATION_FIELDS),
-- never the name or phone number.
local function stored_reservation(r, fields)
  local kept = {}
  for _, f in ipairs(fields) do
    if r[f] then kept[f] = r[f] end
  end
  return cjson.encode(kept)
end

-- '[' .. the JSON texts .. ']': one JSON array of already-encoded objects (cjson would write an empty one as {})
local function json_array(texts)
  return '[' .. table.concat(texts, ',') .. ']'
end
