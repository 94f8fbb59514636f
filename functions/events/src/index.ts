/**
 * A function for triggers: it prints what it is given, one line per event, so `tide logs events`
 * shows a trigger at work. A Workers module with all three handlers: `queue` gets a topic's records
 * as a batch (acked), `scheduled` a cron tick, and `fetch` anything else — a CloudEvent in HTTP
 * binary mode when a trigger's delivery is `cloudevent`, or an async call.
 */

interface Message {
  id: string;
  body: unknown;
  attempts: number;
  ack(): void;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const type = request.headers.get('ce-type');
    const body = await request.text();
    if (type) console.log(`cloudevent ${type} from ${request.headers.get('ce-source')} id ${request.headers.get('ce-id')}: ${body}`);
    else console.log(`${request.method} ${new URL(request.url).pathname}: ${body}`);
    return Response.json({ received: body.length });
  },

  async queue(batch: { queue: string; messages: readonly Message[] }): Promise<void> {
    for (const message of batch.messages) {
      console.log(`queue ${batch.queue} message ${message.id} (attempt ${message.attempts}): ${JSON.stringify(message.body)}`);
      message.ack();
    }
  },

  async scheduled(controller: { cron: string; scheduledTime: number }): Promise<void> {
    console.log(`cron "${controller.cron}" tick ${new Date(controller.scheduledTime).toISOString()}`);
  },
};
