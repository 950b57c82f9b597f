// Chaos trials on an etcd lease: the lock service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('etcd', 'lock-restart');
