// Chaos trials on a redis lease: the active controller killed, and paused past the TTL (test/support/chaos-trials.ts).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('redis', ['kill', 'stop']);
