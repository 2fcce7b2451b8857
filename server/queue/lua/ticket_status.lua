-- A ticket with how many are ahead of it (read only).
-- KEYS: 1 ticket hash
-- ARGV: 1 queue prefix
-- Returns: {ticket as JSON or false, waiting_ahead}
local t = hmap(KEYS[1])
if not t.id then return {false, 0} end
return {cjson.encode(t), ahead_of(ARGV[1], t)}
