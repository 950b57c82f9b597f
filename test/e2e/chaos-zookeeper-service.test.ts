// Chaos trials on a zookeeper lease: the active controller cut from the lock service, and the service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('zookeeper', ['partition', 'lock-restart']);
