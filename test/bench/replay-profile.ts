/**
 * The replay's per-event cost, for a profiler. `fold` mode splits it into decoding (UTF-8,
 * JSON.parse, zod) and the fold over the bench's 100 000-event stream in memory; `store` mode
 * writes the stream to an embedded log once and times openStateStore over it (log reading too),
 * as a start-up does. Several rounds, so the later ones show the optimised code.
 *
 *   npx esbuild test/bench/replay-profile.ts --bundle --platform=node --format=esm --packages=external --outfile=test/bench/out/replay-profile.mjs
 *   node --cpu-prof --cpu-prof-dir=test/bench/out/prof test/bench/out/replay-profile.mjs fold|store [rounds]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { apply, decodeEvent, encodeEvent, initialState, openStateStore, skipInvalid, STATE_TOPIC, type ClusterState, type LoggedEvent } from '@tide/core';
import { openEmbeddedLog } from '@tide/log';
import { generateStateEvents } from './state-events.js';

const mode = process.argv[2] ?? 'fold';
const rounds = Number(process.argv[3] ?? 3);
const records = generateStateEvents().map((event) => encodeEvent(event));
const perEventUs = (ms: number) => ((ms * 1000) / records.length).toFixed(2);

async function foldRounds(): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const cpu = process.cpuUsage();
    let started = performance.now();
    const decoded = records.map((bytes, offset) => decodeEvent(offset, bytes));
    const decodeMs = performance.now() - started;
    started = performance.now();
    let state: ClusterState = initialState;
    for (const [offset, d] of decoded.entries()) state = (d.ok ? apply(state, d.event as LoggedEvent) : skipInvalid(state, offset, d.reason)).state;
    const foldMs = performance.now() - started;
    const total = decodeMs + foldMs;
    const used = process.cpuUsage(cpu);
    console.log(
      `round ${round + 1}: decode ${decodeMs.toFixed(0)} ms (${perEventUs(decodeMs)} µs/event), fold ${foldMs.toFixed(0)} ms (${perEventUs(foldMs)} µs/event), ` +
        `${Math.round(records.length / (total / 1000))} events/s (CPU ${Math.round(records.length / ((used.user + used.system) / 1e6))} events/s); functions ${state.functions.size}, pods ${state.pods.size}`,
    );
  }
}

async function storeRounds(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tide-replay-profile-'));
  try {
    const writer = await openEmbeddedLog(dir, { fsync: false });
    for (let from = 0; from < records.length; from += 1_000)
      await writer.append(
        STATE_TOPIC,
        records.slice(from, from + 1_000).map((value) => ({ value })),
      );
    await writer.close();
    for (let round = 0; round < rounds; round++) {
      const log = await openEmbeddedLog(dir, { readOnly: true });
      const cpu = process.cpuUsage();
      const started = performance.now();
      const store = await openStateStore({ log });
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      await store.close();
      await log.close();
      const cpuMs = (used.user + used.system) / 1000;
      console.log(
        `round ${round + 1}: openStateStore ${ms.toFixed(0)} ms (${perEventUs(ms)} µs/event), ${Math.round(records.length / (ms / 1000))} events/s; CPU ${cpuMs.toFixed(0)} ms, ${Math.round(records.length / (cpuMs / 1000))} events/s`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await (mode === 'store' ? storeRounds() : foldRounds());
