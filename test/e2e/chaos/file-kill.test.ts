// Chaos trials on a file: lease (a flock): the active controller killed with SIGKILL (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('file', 'kill');
