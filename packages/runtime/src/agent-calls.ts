/**
 * Calls a pod makes to its node agent over the IPC channel it already has (KV operations, queue
 * sends), each paired with its reply by id. One listener per kind of call; a call made while the
 * agent is gone fails at once, and one in flight fails when it goes.
 */
export function agentCalls<Call extends { id: number }, Reply extends { id: number }>(options: {
  isReply: (message: unknown) => message is Reply;
  /** The error a call fails with, saying why (`the node agent is gone`). */
  unavailable: (why: string) => Error;
}): (call: Omit<Call, 'id'>) => Promise<Reply> {
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  process.on('message', (message: unknown) => {
    if (!options.isReply(message)) return;
    pending.get(message.id)?.resolve(message);
    pending.delete(message.id);
  });
  process.once('disconnect', () => {
    for (const call of pending.values()) call.reject(options.unavailable('the node agent is gone'));
    pending.clear();
  });
  return (call) =>
    new Promise<Reply>((resolve, reject) => {
      if (!process.send || !process.connected) return reject(options.unavailable('the pod has no channel to its node agent'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      process.send({ ...call, id }, undefined, undefined, (error: Error | null) => {
        if (!error) return;
        pending.delete(id);
        reject(options.unavailable(`sending the call failed: ${error.message}`));
      });
    });
}
