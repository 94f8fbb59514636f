import { Cron } from 'croner';

/**
 * Cron schedules, read by croner: five fields (minute hour day-of-month month day-of-week), or six
 * with seconds first, in an IANA time zone. Pure functions of their arguments (no clock).
 */

/** What is wrong with a schedule or time zone, in words a user can act on; undefined when both are fine. */
export function cronProblem(schedule: string, timeZone: string): string | undefined {
  const fields = schedule.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `schedule "${schedule}" has ${fields} fields: give five (minute hour day month weekday) or six (seconds first)`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `timeZone "${timeZone}" is not an IANA time zone (such as UTC or Europe/Paris)`;
  }
  try {
    new Cron(schedule, { paused: true, timezone: timeZone });
  } catch (error) {
    return `schedule "${schedule}" is not a cron schedule: ${(error as Error).message.replace(/^CronPattern: /, '')}`;
  }
  return undefined;
}

/** The first tick strictly after `after` (epoch ms), or undefined if the schedule never fires again. */
export function nextTick(schedule: string, timeZone: string, after: number): number | undefined {
  const next = new Cron(schedule, { paused: true, timezone: timeZone }).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}
