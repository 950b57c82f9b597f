/**
 * Takes the lease if it is free, atomically (one Lua script runs alone on the server).
 *
 * KEYS[1] the lease: a hash { token, epoch, holder } that expires after the TTL
 * KEYS[2] the epoch counter: a plain integer without expiry
 * ARGV[1] this acquisition's random owner token
 * ARGV[2] the TTL in ms
 * ARGV[3] the holder as JSON, shown to waiters
 * ARGV[4] the epoch floor: the new epoch is above it even if the counter was lost (0 if unknown)
 *
 * Returns {1, epoch} when taken, {0, holderJson or ''} when held by another owner. A retry with the
 * same token after a lost reply finds the lease already ours: it gets the same epoch back and the
 * TTL counted again from now, so that the caller's deadline (counted from its send) stays safe.
 */
export const ACQUIRE_SCRIPT = `
local token = redis.call('HGET', KEYS[1], 'token')
if token == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('HGET', KEYS[1], 'epoch'))}
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGET', KEYS[1], 'holder') or ''}
end
local epoch = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[4]) or 0
if epoch <= floor then
  epoch = floor + 1
  redis.call('SET', KEYS[2], string.format('%d', epoch))
end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'epoch', string.format('%d', epoch), 'holder', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, epoch}
`;
