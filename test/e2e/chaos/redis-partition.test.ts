// Chaos trials on a Redis lease: the active controller cut from the lock service by its fault proxy while it still sees the home (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('redis', 'partition');
