export { TRIGGER, type Trigger, type CreatedTrigger, type PollingTrigger, type TriggerContext, type TriggerDescriptor, type CompletedBuild } from './api.js';
export { parseJenkinsCron, type CronLine } from './cron.js';
