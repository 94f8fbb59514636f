import { dnsLabel, topicName } from '@tide/core';
import { InvalidBusTopicError, platformTopic, type TopicBus } from '@tide/topics';
import { Hono } from 'hono';
import { ApiError } from '../errors.js';
import type { ControlPlaneDeps } from '../deps.js';
import { parsePublishRecords } from './topic-records-body.js';

/**
 * Namespaces' topics: publish records (`tide publish`, a producer without a Kafka client) and
 * see a topic's partitions. A namespace's topic `t` is `<ns>.t` on the platform's bus.
 */
export function topicRoutes(deps: ControlPlaneDeps) {
  const app = new Hono();
  const target = (ns: string, topic: string): { bus: TopicBus; physical: string } => {
    const namespace = dnsLabel.safeParse(ns);
    if (!namespace.success)
      throw new ApiError(400, 'BadRequest', `namespace "${ns.slice(0, 80)}" is invalid: ${namespace.error.issues[0]!.message}`, [
        { field: 'namespace', message: namespace.error.issues[0]!.message },
      ]);
    const name = topicName.safeParse(topic);
    if (!name.success)
      throw new ApiError(400, 'BadRequest', `topic "${topic.slice(0, 80)}" is invalid: ${name.error.issues[0]!.message}`, [
        { field: 'topic', message: name.error.issues[0]!.message },
      ]);
    if (!deps.store.state().namespaces.has(ns)) throw new ApiError(404, 'NotFound', `namespace ${ns} not found`);
    if (!deps.bus) throw new ApiError(503, 'ServiceUnavailable', 'this control plane has no topic bus');
    return { bus: deps.bus, physical: platformTopic(ns, topic) };
  };
  const onBus = async <T>(topic: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof InvalidBusTopicError)
        throw new ApiError(400, 'BadRequest', `topic "${topic}" is invalid: ${error.reason}`, [{ field: 'topic', message: error.reason }]);
      throw error;
    }
  };

  app.post('/namespaces/:ns/topics/:topic/records', async (c) => {
    const { ns, topic } = c.req.param();
    const { bus, physical } = target(ns, topic);
    const traceparent = c.get('traceparent') ?? c.req.header('traceparent');
    const tracestate = c.req.header('tracestate');
    const records = parsePublishRecords(await c.req.json().catch(() => undefined), {
      ...(traceparent && { traceparent }),
      ...(tracestate && { tracestate }),
    });
    const published = await onBus(topic, () => bus.publish(physical, records));
    return c.json({ records: published.map(({ partition, offset }) => ({ partition, offset })) });
  });

  app.get('/namespaces/:ns/topics/:topic', async (c) => {
    const { ns, topic } = c.req.param();
    const { bus, physical } = target(ns, topic);
    const partitions = await onBus(topic, () => bus.describe(physical));
    return c.json({ namespace: ns, topic, partitions });
  });
  return app;
}
