// Chaos trials on a file: lease (a flock): an agent's links to both controllers cut while it runs builds (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('file', 'agent-link');
