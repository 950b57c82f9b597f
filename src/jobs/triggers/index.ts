export { TRIGGER, type Trigger, type TriggerContext, type TriggerDescriptor } from './api.js';
export { parseJenkinsCron, type CronLine } from './cron.js';
