// Chaos trials on a Redis lease: the lock service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('redis', 'lock-restart');
