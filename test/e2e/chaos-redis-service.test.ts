// Chaos trials on a redis lease: the active controller cut from the lock service, and the lock
// service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('redis', ['partition', 'lock-restart']);
