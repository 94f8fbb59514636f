import { describe, expect, it } from 'vitest';
import { OffsetWatermark } from './offset-watermark.js';

describe('OffsetWatermark', () => {
  it('commits only past the lowest unfinished offset', () => {
    const mark = new OffsetWatermark(3);
    expect(mark.committable()).toBe(3);
    [3, 4, 5].forEach((o) => mark.started(o));
    mark.finished(4);
    mark.finished(5);
    expect(mark.committable()).toBe(3);
    mark.finished(3);
    expect(mark.committable()).toBe(6);
    expect(mark.unfinished).toBe(0);
  });
});
