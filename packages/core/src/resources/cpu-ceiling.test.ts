import { describe, expect, it } from 'vitest';
import { cpuCeilingMilli, FunctionSpec } from './function.js';

const spec = (resources: Record<string, number>) => FunctionSpec.safeParse({ source: { artifact: `sha256:${'a'.repeat(64)}` }, resources });

describe('a pod’s CPU ceiling', () => {
  it('is one core by default, its request when that is more, and cpuLimitMilli when given', () => {
    expect(cpuCeilingMilli({ cpuMilli: 100 })).toBe(1000);
    expect(cpuCeilingMilli({ cpuMilli: 2500 })).toBe(2500);
    expect(cpuCeilingMilli({ cpuMilli: 50, cpuLimitMilli: 50 })).toBe(50);
  });

  it('refuses a limit below the request, naming the field', () => {
    const parsed = spec({ memoryMb: 128, cpuMilli: 500, cpuLimitMilli: 200 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['resources', 'cpuLimitMilli'], message: 'cpuLimitMilli must be at least cpuMilli' });
    expect(spec({ memoryMb: 128, cpuMilli: 500, cpuLimitMilli: 500 }).success).toBe(true);
  });
});
