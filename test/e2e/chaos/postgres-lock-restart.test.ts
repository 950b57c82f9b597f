// Chaos trials on a PostgreSQL lease: the lock service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('postgres', 'lock-restart');
