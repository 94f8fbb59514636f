/**
 * The names contexts get when the CLI makes them: a login's after its server, as a person would
 * say it (`127.0.0.1:8080`, `tide.example.com`), a `tide up`'s after its port, as kind names its
 * `kind-<cluster>`, so that a login to the same server does not take the place of the admin's file.
 */

/**
 * `http://127.0.0.1:8080` → `127.0.0.1:8080`; `https://tide.example.com/tide` → `tide.example.com/tide`.
 * A list of control planes (`tide node --server A,B`) is named after its first; what is no URL at all
 * keeps its own text (the command that uses it says what is wrong with it).
 */
export function contextNameFor(server: string): string {
  const first = server.split(',')[0]!.trim();
  if (!URL.canParse(first)) return first;
  const url = new URL(first);
  return `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** `http://127.0.0.1:8080` → `tide-up-8080`. */
export function upContextName(server: string): string {
  const url = new URL(server);
  return `tide-up-${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** `name` when it is free, else `name-2`, `name-3`, ...: the first that is. */
export function uniqueContextName(name: string, taken: Readonly<Record<string, unknown>>): string {
  if (!Object.hasOwn(taken, name)) return name;
  let n = 2;
  while (Object.hasOwn(taken, `${name}-${n}`)) n++;
  return `${name}-${n}`;
}
