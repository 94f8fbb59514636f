export { schedule, usageByNode, type ScheduleResult } from './core/schedule.js';
export { startScheduler } from './scheduler-loop.js';
