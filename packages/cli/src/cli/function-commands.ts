import { authorizationHeaders, CliError, createApiClient, type ClientCredential } from '../api-client.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { durationSeconds, envSecretRefs, functionName, int, keyValues, logOutput, optionalInt, traceIdFlag } from './flag-values.js';
import { invocationDomain, list, str } from './process-commands.js';
import { abortedOnInterrupt } from './interrupt.js';

/** Commands that act on one function: deploy, invoke, logs, rollout, autoscale. */

export const deployCommand: CommandSpec = {
  name: 'deploy',
  summary: 'bundle a function directory, upload it, apply it and wait until it answers',
  args: [{ name: 'dir', required: true }],
  flags: {
    name: { type: 'string', value: 'NAME', help: "function name (default: the directory's name)" },
    env: { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'an environment variable of the function (repeatable)' },
    'env-secret': {
      type: 'string',
      multiple: true,
      value: 'NAME=SECRET:KEY',
      help: 'the env var NAME holds the key KEY of the secret SECRET (repeatable; secretKeyRef)',
    },
    'env-from': {
      type: 'string',
      multiple: true,
      value: 'SECRET',
      help: "a secret whose keys become the function's env vars (repeatable; tide create secret)",
    },
    wait: { type: 'string', value: 'SECONDS', help: 'how long to wait for a ready pod (default 60)' },
    'no-wait': { type: 'boolean', help: 'return once the revision is applied (follow it with tide rollout status)' },
    min: { type: 'string', value: 'N', help: 'replicas at least (0: scale to zero)' },
    max: { type: 'string', value: 'N', help: 'replicas at most' },
    target: { type: 'string', value: 'N', help: 'target per pod of the scaling metric' },
    metric: { type: 'string', value: 'concurrency|rps|cpu', help: 'what the autoscaler scales on' },
    concurrency: { type: 'string', value: 'N', help: 'requests one pod serves at once' },
    timeout: { type: 'string', value: 'SECONDS', help: 'a call running longer gets 504 and its pod is recycled' },
    memory: { type: 'string', value: 'MB', help: 'memory limit of a pod' },
    'scale-to-zero-after': { type: 'string', value: 'SECONDS', help: 'idle time before scaling to zero' },
    'stable-window': { type: 'string', value: 'SECONDS', help: "the autoscaler's averaging window" },
  },
  examples: [
    ['tide deploy functions/hello', 'deploy (or update) hello from its directory'],
    ['tide deploy functions/hello --name greeter --env GREETING=Ahoy', 'under another name, with a variable'],
    ['tide deploy functions/hello --env-from db', "with the secret db's keys as env vars (env.PASSWORD)"],
    ['tide deploy functions/hello --env-secret DB_PASS=db:PASSWORD', 'with the key PASSWORD of the secret db as env.DB_PASS'],
    ['tide deploy functions/sleep --min 0 --max 20 --target 5', 'scaling from zero to 20 pods, 5 calls in flight each'],
    ['tide deploy functions/hello --no-wait', 'apply and return; tide rollout status follows it'],
  ],
  async run({ flags, args, server, credential, namespace, env, print }) {
    const { deploy } = await import('../commands/deploy.js');
    const result = await deploy(createApiClient(server, credential), {
      dir: args[0]!,
      ...(str(flags.name) ? { name: str(flags.name)! } : {}),
      namespace,
      ...envFlags(flags),
      envFrom: list(flags['env-from']) ?? [],
      overrides: specOverrides(flags),
      waitSeconds: flags['no-wait'] ? false : int('wait', str(flags.wait), 60),
      domain: invocationDomain(undefined, env),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const { latestRevision } = result.fn.status;
    if (flags['no-wait'])
      return print(
        `${result.fn.metadata.name}: ${latestRevision} applied, not waiting (tide rollout status function/${result.fn.metadata.name}): ${result.url}`,
      );
    print(`${result.fn.metadata.name} is ready (${latestRevision}, ${result.ms} ms): ${result.url} and ${result.hostUrl}`);
  },
};

/** --env and --env-secret: one variable has one source, so naming it in both is refused. */
function envFlags(flags: CommandContext['flags']) {
  const env = keyValues(list(flags.env), 'env', '=');
  const envSecrets = envSecretRefs(list(flags['env-secret']));
  const both = Object.keys(envSecrets).filter((name) => name in env);
  if (both.length) throw new CliError(`${both.join(', ')}: given by both --env and --env-secret; a variable has one value`, 2);
  return { env, envSecrets };
}

/** Spec settings from deploy's flags; the server validates them and names any that is out of range. */
function specOverrides(flags: Record<string, unknown>) {
  const value = (name: string) => str(flags[name] as string | undefined);
  const defined = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  const scale = defined({
    min: optionalInt('min', value('min')),
    max: optionalInt('max', value('max')),
    target: optionalInt('target', value('target')),
    scaleToZeroAfterSeconds: optionalInt('scale-to-zero-after', value('scale-to-zero-after')),
    stableWindowSeconds: optionalInt('stable-window', value('stable-window')),
    metric: value('metric'),
  });
  const top = defined({
    concurrency: optionalInt('concurrency', value('concurrency')),
    timeoutSeconds: optionalInt('timeout', value('timeout')),
    memoryMb: optionalInt('memory', value('memory')),
  });
  return { ...top, scale };
}

export const invokeCommand: CommandSpec = {
  name: 'invoke',
  summary: 'call a function through the gateway and print what it answers',
  args: [{ name: 'function', required: true }],
  flags: {
    data: { type: 'string', short: 'd', value: 'TEXT|@FILE', help: "request body, or @FILE for a file's bytes as curl has it (makes the method POST)" },
    method: { type: 'string', short: 'X', value: 'METHOD', help: 'HTTP method (default GET, or POST with --data)' },
    path: { type: 'string', value: '/SUB/PATH', help: 'path below the function (default /)' },
    header: { type: 'string', short: 'H', multiple: true, value: "'NAME: VALUE'", help: 'a request header (repeatable)' },
    async: { type: 'boolean', help: 'call asynchronously (/async/...): print the activation id and return; retried per spec.async' },
    callback: { type: 'string', value: 'URL', help: 'with --async: an http(s) URL that receives the activation (POST, JSON) once it ends' },
  },
  examples: [
    ['tide invoke hello', 'GET /fn/default/hello'],
    ["tide invoke echo --data 'some bytes' -H 'content-type: text/plain'", 'POST a body'],
    ['tide invoke hello --async --data \'{"n":1}\'', 'POST /async/default/hello: prints the activation id (see tide activation get ID)'],
  ],
  details:
    "The CLI's token goes with the call, for functions with `access: token`; the gateway never passes a Tide token on to the function. An Authorization header of your own (-H) goes instead, to the function.",
  async run({ flags, args, server, credential, namespace, print }) {
    const { invoke, invokeAsync } = await import('../commands/invoke.js');
    const headers = withCredential(keyValues(list(flags.header), 'header', ':'), credential);
    const data = await requestBody(str(flags.data));
    const callback = str(flags.callback);
    if (callback !== undefined && flags.async !== true) throw new CliError('--callback goes with --async', 2);
    if (flags.async === true) {
      const id = await invokeAsync(server, {
        namespace,
        name: functionName(args[0], 'tide invoke <function> --async'),
        path: str(flags.path) ?? '/',
        method: (str(flags.method) ?? 'POST').toUpperCase(),
        ...(data === undefined ? {} : { data }),
        headers: { ...headers, ...(callback === undefined ? {} : { 'x-callback-url': callback }) },
      });
      return print(id);
    }
    const result = await invoke(server, {
      namespace,
      name: functionName(args[0], 'tide invoke <function>'),
      path: str(flags.path) ?? '/',
      method: (str(flags.method) ?? (data === undefined ? 'GET' : 'POST')).toUpperCase(),
      ...(data === undefined ? {} : { data }),
      headers,
    });
    if (result.gatewayError !== undefined) throw new CliError(`the gateway answered ${result.status}, not the function: ${result.gatewayError}`, 1);
    process.stdout.write(result.body);
    if (result.status >= 400) throw new CliError(`function answered ${result.status}`, 1);
  },
};

/** The CLI's token as Authorization, unless the caller gave an Authorization header of their own. */
function withCredential(headers: Record<string, string>, credential: ClientCredential): Record<string, string> {
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) return headers;
  return { ...authorizationHeaders(credential), ...headers };
}

/** `--data TEXT` is the text; `--data @file` the file's bytes, as curl has it. */
async function requestBody(data: string | undefined): Promise<string | Uint8Array | undefined> {
  if (data === undefined || !data.startsWith('@')) return data;
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(data.slice(1));
  } catch (error) {
    throw new CliError(`--data ${data}: cannot read ${data.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2);
  }
}

export const logsCommand: CommandSpec = {
  name: 'logs',
  summary: 'what the pods of a function printed ([pod] trace=ID line; trace= where printed inside a traced call, ! marks stderr)',
  args: [{ name: 'function', required: true }],
  flags: {
    follow: { type: 'boolean', short: 'f', help: 'keep printing new lines' },
    tail: { type: 'string', value: 'N', help: 'only the last N lines' },
    pod: { type: 'string', value: 'POD', help: "only this pod's lines" },
    since: { type: 'string', value: 'DURATION', help: 'only lines from the last 30s, 5m, 2h, ...' },
    timestamps: { type: 'boolean', help: 'print the time of each line (RFC 3339, UTC)' },
    'trace-id': { type: 'string', value: 'ID', help: 'only lines printed inside calls of this trace (32 hex digits, the second field of a traceparent)' },
    output: { type: 'string', short: 'o', value: 'text|json', help: 'json: one record a line (time, function, revision, pod, stream, traceId, line)' },
  },
  examples: [
    ['tide logs hello', 'everything its pods printed, oldest first'],
    ['tide logs hello --since 5m --timestamps', 'the last five minutes, each line with its time'],
    ['tide logs function/hello -f --tail 20', 'the last 20 lines, then new ones as they come'],
    ['tide logs hello -f --trace-id 4bf92f3577b34da6a3ce929d0e0e4736', 'what the calls of one trace print'],
    ['tide logs hello -o json', 'the records, for jq or a log collector'],
  ],
  async run({ flags, args, server, credential, namespace }) {
    const { functionLogs } = await import('../commands/logs.js');
    const signal = abortedOnInterrupt();
    await functionLogs(createApiClient(server, credential), {
      namespace,
      name: functionName(args[0], 'tide logs <function>'),
      follow: flags.follow === true,
      ...(str(flags.tail) === undefined ? {} : { tail: int('tail', str(flags.tail), 0) }),
      ...(str(flags.pod) === undefined ? {} : { pod: str(flags.pod)! }),
      ...(str(flags.since) === undefined ? {} : { sinceSeconds: durationSeconds('since', str(flags.since)!) }),
      timestamps: flags.timestamps === true,
      ...(str(flags['trace-id']) === undefined ? {} : { traceId: traceIdFlag(str(flags['trace-id'])!) }),
      output: logOutput(str(flags.output)),
      write: (text) => process.stdout.write(text),
      signal,
    });
  },
};

export const rolloutCommand: CommandSpec = {
  name: 'rollout',
  summary: "follow a function's rollout, list its revisions, or go back to an earlier one",
  args: [
    { name: 'action', required: true, choices: ['status', 'history', 'undo'] },
    { name: 'function', required: true },
  ],
  flags: {
    wait: { type: 'string', value: 'SECONDS', help: 'status: how long to wait for the rollout (default 60)' },
    'to-revision': { type: 'string', value: 'N|REVISION', help: 'undo: the revision to go back to, by number or name (default the one served before)' },
  },
  examples: [
    ['tide rollout status function/hello', 'wait until every revision with traffic has its pods'],
    ['tide rollout history function/hello', 'its revisions: when each was made, what changed, which serves'],
    ['tide rollout undo function/hello', 'back to the revision served before (undo twice: back again)'],
    ['tide rollout undo function/hello --to-revision 3', 'back to revision 3 (hello-00003)'],
  ],
  async run({ flags, args, server, credential, namespace, print }) {
    const { rolloutStatus, rolloutUndo } = await import('../commands/rollout.js');
    const name = functionName(args[1], 'tide rollout status|history|undo function/<NAME>');
    const api = createApiClient(server, credential);
    if (args[0] === 'history') {
      const { rolloutHistory } = await import('../commands/rollout-history.js');
      return print(await rolloutHistory(api, namespace, name));
    }
    if (args[0] === 'undo') {
      const { revisionNamed } = await import('../commands/rollout-history.js');
      const to = str(flags['to-revision']);
      return print(await rolloutUndo(api, namespace, name, to === undefined ? undefined : revisionNamed(name, to)));
    }
    await rolloutStatus(api, namespace, name, int('wait', str(flags.wait), 60), print);
  },
};

export const autoscaleCommand: CommandSpec = {
  name: 'autoscale',
  summary: 're-run the recorded load of a function through the autoscaler with other settings',
  args: [
    { name: 'action', required: true, choices: ['replay'] },
    { name: 'function', required: true },
  ],
  flags: {
    from: { type: 'string', value: 'OFFSET', help: 'start at this offset of the metrics topic' },
    set: { type: 'string', value: 'K=V,...', help: 'settings to try: target, panicWindow, stableWindow, ...' },
  },
  examples: [['tide autoscale replay sleep --set target=20,panicWindow=10s', 'what a target of 20 would have done']],
  async run({ flags, args, server, credential, namespace, print }) {
    const { autoscaleReplay } = await import('../commands/autoscale-replay.js');
    const from = str(flags.from);
    print(
      await autoscaleReplay(createApiClient(server, credential), {
        namespace,
        name: functionName(args[1], 'tide autoscale replay <function>'),
        set: str(flags.set) ?? '',
        ...(from === undefined ? {} : { from: int('from', from, 0) }),
      }),
    );
  },
};
