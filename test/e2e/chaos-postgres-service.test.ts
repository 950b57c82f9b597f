// Chaos trials on a postgres lease: the active controller cut from the lock service, and the service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('postgres', ['partition', 'lock-restart']);
