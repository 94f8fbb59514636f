import { describe, expect, it } from 'vitest';
import { contextsTable, currentContextName } from './config.js';

const TOKEN = `tide_alice_${'a'.repeat(64)}`;

describe('tide config get-contexts', () => {
  it('lists every context by name, the current one starred, and says how each authenticates without showing a token', () => {
    const out = contextsTable(
      {
        currentContext: 'tide-up-8080',
        contexts: {
          'tide-up-8080': { server: 'http://127.0.0.1:8080', tokenFile: '/srv/.tide/admin.token', by: 'up' },
          prod: { server: 'https://tide.example.com', token: TOKEN, namespace: 'team-a' },
          staging: { server: 'https://staging.example.com' },
        },
      },
      '/home/u/.config/tide/config',
    );
    expect(out.split('\n')).toEqual([
      'CURRENT   NAME           SERVER                        NAMESPACE   AUTH',
      '          prod           https://tide.example.com      team-a      token',
      '          staging        https://staging.example.com               none',
      '*         tide-up-8080   http://127.0.0.1:8080                     file:/srv/.tide/admin.token',
    ]);
    expect(out).not.toContain(TOKEN);
  });

  it('says how to make one when there is none', () => {
    expect(contextsTable({ contexts: {} }, '/c')).toBe('No contexts in /c: tide login or tide up makes one.');
  });
});

describe('tide config current-context', () => {
  it('prints the name, or fails saying there is none', () => {
    expect(currentContextName({ currentContext: 'prod', contexts: {} }, '/c')).toBe('prod');
    expect(() => currentContextName({ contexts: {} }, '/c')).toThrow('no current context in /c: tide config use-context NAME');
  });
});
