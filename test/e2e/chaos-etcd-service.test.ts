// Chaos trials on a etcd lease: the active controller cut from the lock service, and the service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('etcd', ['partition', 'lock-restart']);
