// Chaos trials on a Redis lease: the active controller killed with SIGKILL (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('redis', 'kill');
