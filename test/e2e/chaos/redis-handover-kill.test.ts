// Chaos trials on a Redis lease: the active controller killed with SIGKILL part way through a planned handover (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('redis', 'handover-kill');
