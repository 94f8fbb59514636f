import type { KvListed, KvOperation, KvStored } from './kv-protocol.js';

/** Sends one operation of a binding to whoever backs it; rejects with the backer's error. */
export type KvCall = (operation: KvOperation) => Promise<KvStored | KvListed | null>;

type ValueType = 'text' | 'json' | 'arrayBuffer' | 'stream';
type GetOptions = ValueType | { type?: ValueType; cacheTtl?: number } | undefined;
type PutValue = string | ArrayBuffer | ArrayBufferView | ReadableStream;

export class KvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KvError';
  }
}

/**
 * A Workers KV namespace binding (`env.CACHE`): get / getWithMetadata / put / delete / list with
 * Workers' shapes. `cacheTtl` is accepted and ignored: reads come from the node's view already.
 */
export function createKvNamespace(binding: string, call: KvCall) {
  const getWithMetadata = async (key: string, options?: GetOptions) => {
    const stored = (await call({ op: 'get', key: keyOf(key, binding) })) as KvStored | null;
    if (stored === null) return { value: null, metadata: null, cacheStatus: null };
    return { value: decode(Buffer.from(stored.value, 'base64'), typeOf(options)), metadata: stored.metadata ?? null, cacheStatus: null };
  };
  return {
    async get(key: string, options?: GetOptions) {
      return (await getWithMetadata(key, options)).value;
    },
    getWithMetadata,
    async put(key: string, value: PutValue, options: { expiration?: number; expirationTtl?: number; metadata?: unknown } = {}) {
      const bytes = await bytesOf(value, binding);
      await call({
        op: 'put',
        key: keyOf(key, binding),
        value: bytes.toString('base64'),
        ...(options.metadata === undefined || options.metadata === null ? {} : { metadata: options.metadata }),
        ...(options.expiration === undefined ? {} : { expiration: Number(options.expiration) }),
        ...(options.expirationTtl === undefined ? {} : { expirationTtl: Number(options.expirationTtl) }),
      });
    },
    async delete(key: string) {
      await call({ op: 'delete', key: keyOf(key, binding) });
    },
    async list(options: { prefix?: string | null; limit?: number; cursor?: string | null } = {}) {
      return (await call({
        op: 'list',
        ...(options.prefix ? { prefix: options.prefix } : {}),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.cursor ? { cursor: options.cursor } : {}),
      })) as KvListed;
    },
  };
}

function keyOf(key: unknown, binding: string): string {
  if (typeof key !== 'string' || key === '') throw new KvError(`${binding}: a KV key must be a non-empty string`);
  return key;
}

function typeOf(options: GetOptions): ValueType {
  const type = typeof options === 'string' ? options : (options?.type ?? 'text');
  if (!['text', 'json', 'arrayBuffer', 'stream'].includes(type)) throw new KvError(`unknown KV value type "${type}": use text, json, arrayBuffer or stream`);
  return type;
}

function decode(bytes: Buffer, type: ValueType): unknown {
  if (type === 'text') return bytes.toString('utf8');
  if (type === 'json') return JSON.parse(bytes.toString('utf8'));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (type === 'arrayBuffer') return buffer;
  return new Blob([buffer]).stream();
}

async function bytesOf(value: PutValue, binding: string): Promise<Buffer> {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ReadableStream) return Buffer.from(await new Response(value).arrayBuffer());
  throw new KvError(`${binding}.put: a value must be a string, an ArrayBuffer, a typed array or a ReadableStream`);
}
