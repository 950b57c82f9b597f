// Chaos trials on a ZooKeeper lease: the active controller paused with SIGSTOP past the TTL, then resumed (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('zookeeper', 'stop');
