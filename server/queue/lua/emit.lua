-- Append one event that is not a ticket transition (printer.changed, notice.changed), optionally
-- updating a hash in the same step so the state and its event never disagree.
-- KEYS: 1 seq, 2 events, 3 hash to update (ignored without field/value pairs)
-- ARGV: 1 stream maxlen, 2 event type, 3 now ISO, 4 payload JSON, 5.. field, value, ... for KEYS[3]
-- Returns: the event's seq
if #ARGV > 4 then
  redis.call('HSET', KEYS[3], unpack(ARGV, 5))
end
return emit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], cjson.decode(ARGV[4]))
