import { describe, expect, it } from 'vitest';
import { unmetSecretRefs } from './unmet-secret-refs.js';

const ref = (name: string, key: string, optional?: boolean) => ({ valueFrom: { secretKeyRef: { name, key, ...(optional ? { optional } : {}) } } });
const secrets = new Map<string, { data: Record<string, never> }>([
  ['team/db', { data: { PASSWORD: {} as never } }],
  ['other/api', { data: { TOKEN: {} as never } }],
]);

describe('what a pod still lacks of its secrets', () => {
  it.each([
    ['nothing, when it takes none', { env: { A: 'x' } }, []],
    ['nothing, when every secret and key is there', { env: { P: ref('db', 'PASSWORD') }, envFrom: [{ secretRef: 'db' }] }, []],
    ['a secret of envFrom', { env: {}, envFrom: [{ secretRef: 'gone' }] }, ['secret "gone" not found']],
    ['the secret of a secretKeyRef, in its own namespace only', { env: { T: ref('api', 'TOKEN') } }, ['secret "api" not found']],
    ['the key of a secretKeyRef', { env: { P: ref('db', 'USER') } }, ["couldn't find key USER in Secret team/db"]],
    ['no key of the prototype', { env: { P: ref('db', 'constructor') } }, ["couldn't find key constructor in Secret team/db"]],
    ['a missing secret once', { env: { A: ref('gone', 'A'), B: ref('gone', 'B') }, envFrom: [{ secretRef: 'gone' }] }, ['secret "gone" not found']],
    ['nothing for an optional ref', { env: { A: ref('gone', 'A', true), B: ref('db', 'USER', true) } }, []],
  ])('%s', (_, spec, reasons) => {
    expect(unmetSecretRefs(secrets, 'team', spec)).toEqual(reasons);
  });
});
