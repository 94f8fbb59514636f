import { describe, expect, it } from 'vitest';
import { trackConnectivity, type ConnectivityChange } from './connectivity.js';

const kafkaError = (message: string, cause?: Error) => Object.assign(new Error(message, cause ? { cause } : {}), { name: 'KafkaJSConnectionError' });

describe('trackConnectivity', () => {
  it('reports the first failure and the first success after it, once each, with the time it was down', () => {
    let now = 1_000;
    const changes: ConnectivityChange[] = [];
    const tracker = trackConnectivity(
      (c) => changes.push(c),
      () => now,
    );
    tracker.note(undefined);
    tracker.note(kafkaError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    now += 500;
    tracker.note(kafkaError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    expect(tracker.current()).toMatchObject({ reachable: false, since: 1_000 });
    now += 2_000;
    tracker.note(undefined);
    tracker.note(undefined);
    expect(changes).toEqual([
      { reachable: false, error: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' },
      { reachable: true, downForMs: 2_500 },
    ]);
  });

  it('ignores the late failure of an operation that began before the cluster answered again', () => {
    let now = 0;
    const changes: ConnectivityChange[] = [];
    const tracker = trackConnectivity(
      (c) => changes.push(c),
      () => now,
    );
    tracker.note(kafkaError('Connection error'));
    const startedDuringOutage = (now += 100);
    now += 1_000;
    tracker.note(undefined);
    now += 500;
    tracker.note(kafkaError('Connection error: connect ECONNREFUSED'), startedDuringOutage);
    expect(changes.map((c) => c.reachable)).toEqual([false, true]);
    tracker.note(kafkaError('Connection error: connect ECONNREFUSED'), now + 1);
    expect(changes.map((c) => c.reachable)).toEqual([false, true, false]);
  });

  it('names the innermost cause of a wrapped failure, and ignores refusals that are not the cluster failing', () => {
    const changes: ConnectivityChange[] = [];
    const tracker = trackConnectivity((c) => changes.push(c));
    tracker.note(new Error('invalid topic name "a b"'));
    expect(tracker.current().reachable).toBe(true);
    const wrapped = Object.assign(new Error('kafka append on tide.state via 127.0.0.1:1 failed: x', { cause: kafkaError('Connection timeout') }), {
      operation: 'append',
      topic: 'tide.state',
    });
    tracker.note(wrapped);
    expect(changes).toEqual([{ reachable: false, error: 'append on tide.state: Connection timeout' }]);
  });
});
