/**
 * Deletes the lease if it is still ours; another owner's lease is left alone.
 *
 * KEYS[1] the lease hash; ARGV[1] our owner token. Returns 1 when deleted, 0 otherwise.
 */
export const RELEASE_SCRIPT = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
