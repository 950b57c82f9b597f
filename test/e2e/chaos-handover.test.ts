// Chaos trials of a planned handover on a redis lease: the active controller killed with SIGKILL
// part way through it (test/support/chaos-trials.ts).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('redis', ['handover-kill']);
