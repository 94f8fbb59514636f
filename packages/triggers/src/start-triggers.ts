import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { metrics as otelMetrics } from '@opentelemetry/api';
import { systemClock, type Clock } from '@tide/core';
import { closeServer, componentState, describeLogSource, serveProbes, urlOf, type ComponentLog, type ProcessState, type RequestHandler } from '@tide/process';
import type { Dispatcher } from './dispatcher.js';
import { gatewayDispatcher } from './gateway-dispatcher.js';
import type { EngineDeps } from './engine.js';
import { startEngineRunner, type EngineRunner } from './engine-runner.js';
import type { TriggerEngine } from './engines.js';
import { openTriggerBuses, type BusOpeners } from './trigger-buses.js';

export interface TriggersOptions {
  /** The log to follow (opened, and closed at stop, by the process), or a state shared with other components (`tide up`). */
  log: ComponentLog;
  /** Where deliveries go: the gateway, which holds a call while its function wakes from zero. */
  gatewayUrl: string;
  /** The gateway's component token (TIDE_COMPONENT_TOKEN): lets deliveries ask for a module's queue/scheduled handler. */
  componentToken?: string;
  /** Serve /healthz, /readyz and /metrics on a server of its own. */
  listen?: { port: number; host: string };
  /** Serves /metrics for Prometheus (startMetrics of @tide/telemetry, service tide-triggers). */
  metrics?: { handle: RequestHandler };
  engines: readonly TriggerEngine[];
  report: (line: string) => void;
  clock?: Clock;
  /** Delivers to functions; default the gateway at `gatewayUrl`. */
  dispatcher?: Dispatcher;
  /** Opens the platform's bus and external clusters' buses; default the @tide/topics adapters. */
  buses?: BusOpeners;
  /** Leadership of role `triggers` (engine-runner.ts): the holder's name (default this process's identity) and timings (tests shorten them). */
  leadership?: { holder?: string; graceMs?: number; renewMs?: number };
}

export interface RunningTriggers {
  url?: string;
  state: ProcessState;
  /** Whether this process leads role `triggers` (runs the leader-only engines). */
  leading(): boolean;
  /** Engines stop (calls in flight finish), then the buses, then the log if this process opened it. */
  stop(): Promise<void>;
}

/**
 * The triggers process: builds what every engine is given once (state, log, buses, dispatcher,
 * clock, meter) and runs the engines — those that must run once in the cluster only while this
 * process leads role `triggers` (started and stopped as leadership moves), the others always
 * when the bus shares consumer groups among processes (Kafka), else on the leader only.
 */
export async function startTriggers(options: TriggersOptions): Promise<RunningTriggers> {
  const { report } = options;
  const onError = (error: Error) => report(`error: ${error.message}`);
  const { state, release } = await componentState(options.log, report, onError);
  const identity = `triggers-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const buses = await openTriggerBuses(state, identity, options.buses).catch(async (error: Error) => {
    await release();
    throw error;
  });
  const gateway = options.dispatcher
    ? undefined
    : gatewayDispatcher({ gatewayUrl: options.gatewayUrl, ...(options.componentToken ? { componentToken: options.componentToken } : {}) });
  const dispatcher = options.dispatcher ?? gateway!;
  const deps: EngineDeps = {
    store: state.store,
    log: state.log,
    bus: buses.platform,
    openExternalBus: buses.external,
    dispatcher,
    clock: options.clock ?? systemClock,
    meter: otelMetrics.getMeter('tide-triggers'),
    identity,
    report,
    onError,
  };
  let runner: EngineRunner | undefined;
  let server: Server | undefined;
  try {
    runner = await startEngineRunner({
      engines: options.engines,
      deps,
      sharedGroups: buses.sharedGroups,
      leadership: { holder: identity, ...options.leadership },
    });
    server = options.listen ? await serveProbes(state, options.metrics, options.listen, 'the triggers process') : undefined;
  } catch (error) {
    // A start that fails half-way (an engine, a taken port) leaves nothing running behind it.
    await runner?.stop();
    await gateway?.close();
    await buses.close();
    await release();
    throw error;
  }
  const engines = runner;
  const url = server && options.listen ? urlOf(server, options.listen.host) : undefined;
  report(
    `triggers ${url ? `is up at ${url}` : 'started'}: engines ${options.engines.map((e) => e.name).join(', ') || 'none'}, following ${describeLogSource(state.source)}, delivering through ${options.gatewayUrl}`,
  );
  let stopping: Promise<void> | undefined;
  return {
    ...(url ? { url } : {}),
    state,
    leading: () => engines.leading(),
    stop: () =>
      (stopping ??= (async () => {
        await engines.stop();
        await gateway?.close();
        await buses.close();
        await closeServer(server);
        await release();
      })()),
  };
}
