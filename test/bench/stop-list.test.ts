import { describe, expect, it } from 'vitest';
import { createStopList } from './stop-list.js';

describe('stop list', () => {
  it('stops everything still listed, newest first, and each only once', async () => {
    const stopped: string[] = [];
    const stops = createStopList(() => {});
    stops.add('tide', async () => void stopped.push('tide'));
    const stopNginx = stops.add('nginx', async () => void stopped.push('nginx'));
    stops.add('second tide', async () => void stopped.push('second tide'));
    await stopNginx();
    await stops.stopAll();
    await stopNginx();
    expect(stopped).toEqual(['nginx', 'second tide', 'tide']);
  });

  it('goes on after a stop that fails and reports it by name', async () => {
    const errors: string[] = [];
    const stopped: string[] = [];
    const stops = createStopList((message) => errors.push(message));
    stops.add('tide', async () => void stopped.push('tide'));
    stops.add('nginx', async () => {
      throw new Error('no such process');
    });
    await stops.stopAll();
    expect(stopped).toEqual(['tide']);
    expect(errors).toEqual(['could not stop nginx: no such process']);
  });
});
