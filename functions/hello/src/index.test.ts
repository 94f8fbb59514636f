import { describe, expect, it } from 'vitest';
import hello from './index.js';

describe('hello', () => {
  it('greets with the configured greeting', async () => {
    const res = hello.fetch(new Request('http://fn/?name=Ada'), { GREETING: 'Hi' });
    expect(await res.text()).toBe('Hi, Ada!\n');
  });
});
