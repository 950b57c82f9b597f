// Chaos trials on a PostgreSQL lease: the active controller killed with SIGKILL (test/support/chaos-trials.ts).
import { chaosTest } from '../../support/chaos-trials.js';

chaosTest('postgres', 'kill');
