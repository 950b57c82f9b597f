// Chaos trials on a file: lease (a flock, which a paused or cut holder keeps: only a kill hands it
// over), and an agent's link cut, which no lease touches (test/support/chaos-trials.ts).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('file', ['kill', 'agent-link']);
