-- Append a date's audit entries from a handover archive (`madoguchi import`) to this installation's audit list of
-- that date, once: a mark per date remembers how many entries were imported and their SHA-1, so a re-run appends
-- nothing and a later archive of the same date appends only the entries after those (an audit list only grows).
-- KEYS: 1 the site's audit list of the date, 2 the site's audit import marks (hash: date -> '<n>:<sha1>')
-- ARGV: 1 the date (YYYY-MM-DD), 2 the entries (JSON texts, one a line, in the source's order)
-- Returns: how many entries were appended (0 on a re-run), or -1 when the entries imported before for this date
--          are not the first of these (another installation's log of that date: nothing written)
local entries = {}
for line in string.gmatch(ARGV[2], '[^\n]+') do entries[#entries + 1] = line end
local done = 0
local mark = redis.call('HGET', KEYS[2], ARGV[1])
if mark then
  local n, sha = string.match(mark, '^(%d+):(%x+)$')
  done = tonumber(n)
  if done > #entries or redis.sha1hex(table.concat(entries, '\n', 1, done)) ~= sha then return -1 end
end
for i = done + 1, #entries do redis.call('RPUSH', KEYS[1], entries[i]) end
if #entries > done then
  redis.call('HSET', KEYS[2], ARGV[1], #entries .. ':' .. redis.sha1hex(table.concat(entries, '\n')))
end
return #entries - done
