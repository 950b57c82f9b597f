// Chaos trials on a ZooKeeper lease: the lock service restarted (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('zookeeper', 'lock-restart');
