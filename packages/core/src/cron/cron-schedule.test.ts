import { describe, expect, it } from 'vitest';
import { CronTriggerSpec } from '../resources/trigger.js';
import { cronProblem, nextTick } from './cron-schedule.js';

describe('cron schedules', () => {
  it('reads five fields, six with seconds, in a time zone', () => {
    expect(nextTick('*/5 * * * *', 'UTC', Date.parse('2026-01-01T00:01:00Z'))).toBe(Date.parse('2026-01-01T00:05:00Z'));
    expect(nextTick('* * * * * *', 'UTC', Date.parse('2026-01-01T00:01:00.500Z'))).toBe(Date.parse('2026-01-01T00:01:01Z'));
    // 09:00 in Paris is 08:00 UTC in winter.
    expect(nextTick('0 9 * * *', 'Europe/Paris', Date.parse('2026-01-01T00:00:00Z'))).toBe(Date.parse('2026-01-01T08:00:00Z'));
  });

  it('names what is wrong with a schedule or a time zone', () => {
    expect(cronProblem('* * * *', 'UTC')).toMatch(/has 4 fields/);
    expect(cronProblem('* * * * * * *', 'UTC')).toMatch(/has 7 fields/);
    expect(cronProblem('61 * * * *', 'UTC')).toMatch(/minute/);
    expect(cronProblem('* * * * *', 'Mars/Olympus')).toMatch(/not an IANA time zone/);
    expect(cronProblem('0 0 * * MON', 'America/New_York')).toBeUndefined();
  });

  it('refuses a bad schedule in a trigger spec, naming the field', () => {
    const result = CronTriggerSpec.safeParse({ schedule: '* * * *' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['schedule']);
    const zone = CronTriggerSpec.safeParse({ schedule: '* * * * *', timeZone: 'Nowhere/Land' });
    expect(zone.error?.issues[0]?.path).toEqual(['timeZone']);
  });
});
