import { describe, expect, it } from 'vitest';
import { busPartitionTopic, InvalidBusTopicError, parseBusPartitionTopic } from './bus-partition-topic.js';

describe('bus partition topics', () => {
  it('names partition P of topic T bus.T.P and reads it back', () => {
    expect(busPartitionTopic('shop.orders', 3)).toBe('bus.shop.orders.3');
    expect(parseBusPartitionTopic('bus.shop.orders.3')).toEqual({ topic: 'shop.orders', partition: 3 });
  });

  it('refuses a name the log would refuse, naming the topic', () => {
    expect(() => busPartitionTopic('shop/orders', 0)).toThrow(InvalidBusTopicError);
    expect(() => busPartitionTopic('', 0)).toThrow(/""/);
    expect(() => busPartitionTopic('x'.repeat(250), 0)).toThrow(/at most/);
  });

  it('reads nothing from a log topic that is no bus partition', () => {
    expect(parseBusPartitionTopic('tide.state')).toBeUndefined();
    expect(parseBusPartitionTopic('bus.orders')).toBeUndefined();
    expect(parseBusPartitionTopic('bus.orders.x')).toBeUndefined();
    expect(parseBusPartitionTopic('bus..1')).toBeUndefined();
  });
});
