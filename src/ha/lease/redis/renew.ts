/**
 * Extends the lease by the TTL from now if it is still ours.
 *
 * KEYS[1] the lease hash, KEYS[2] the epoch counter
 * ARGV[1] our owner token, ARGV[2] the TTL in ms, ARGV[3] our epoch
 *
 * Returns 1 when extended, 0 when the lease is gone or another owner's. Either way the counter is
 * raised to our epoch if it is below: after a restart without persistence the first holder to
 * reach the server puts the counter back where it was, so later epochs stay above ours.
 */
export const RENEW_SCRIPT = `
local counter = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if counter < tonumber(ARGV[3]) then
  redis.call('SET', KEYS[2], ARGV[3])
end
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;
