-- Check a reservation in: mark it checked_in AND issue its ticket (channel reservation, class resv, scored
-- by the slot start so the call order serves it at its slot) in one step. Appends ticket.issued, then
-- reservation.changed.
-- KEYS: 1-11 as issue.lua, 12 reservation hash, 13 release queue
-- ARGV: 1-20 as issue.lua (13 = 'resv', 14 = the slot start ms, 15 = 0, 18 = the code),
--       21 check-in opens (ms), 22 check-in closes (ms)
-- Returns: what issue.lua returns; errors day_closed (before any other: the date was closed),
--          reservation_not_found, already_checked_in, reservation_cancelled, reservation_no_show,
--          reservation_not_today, checkin_too_early, checkin_too_late, reservation_changed (moved since the
--          caller read it: read again)
local closed = closed_refusal(KEYS[11], ARGV[12])
if closed then return closed end
local r = hmap(KEYS[12])
local refusal = resv_refusal(r)
if refusal then return refusal end
if r.date ~= ARGV[12] then return fail('reservation_not_today', r.code .. ' is for ' .. r.date) end
if r.slot_at ~= ARGV[14] or r.service ~= ARGV[5] then
  return fail('reservation_changed', r.code .. ' changed meanwhile')
end
local now = tonumber(ARGV[10])
if now < tonumber(ARGV[21]) then return fail('checkin_too_early', r.code .. ' is not due yet') end
if now > tonumber(ARGV[22]) then return fail('checkin_too_late', r.code .. ' is past its check-in time') end
local out, line = issue_ticket(KEYS, ARGV)
if out.err then return out end
local t = out.ticket
r.status = 'checked_in'
r.ticket = t.id
r.ticket_number = t.number
r.checked_in_at = ARGV[11]
redis.call('HSET', KEYS[12], 'status', r.status, 'ticket', r.ticket, 'ticket_number', r.ticket_number,
  'checked_in_at', r.checked_in_at, 'updated_at', ARGV[11])
redis.call('ZREM', KEYS[13], r.code)
resv_changed(KEYS[1], KEYS[2], ARGV[16], ARGV[11], r)
return encode_with(out, 'line', line)
