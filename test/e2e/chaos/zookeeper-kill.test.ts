// Chaos trials on a ZooKeeper lease: the active controller killed with SIGKILL (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('zookeeper', 'kill');
