// Chaos trials on a redis lease: the active controller cut from the lock service
// (test/support/chaos-trials.ts). The restart of Redis is left to `npm run chaos`: a Redis
// restarted without persistence hands the lease over at once, while the old holder still counts
// it as held, and about one trial in ten still ends with an adopted agent build whose log holds
// "Aborted: the controller is shutting down" instead of its output (docs/reliability.md).
import { chaosTest } from '../support/chaos-trials.js';

chaosTest('redis', ['partition']);
