/**
 * A snapshot's JSON as format 3 wrote it, from this build's bytes: every env written inline where
 * format 4 names it by hash. For tests of reading snapshots that older builds wrote.
 */
export function formatThreeJson(bytes: Uint8Array): Record<string, unknown> {
  const { envs = {}, ...json } = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown> & { envs?: Record<string, unknown> };
  for (const value of Object.values(json)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    for (const resource of Object.values(value as Record<string, { spec?: { env?: unknown } }>)) {
      if (typeof resource?.spec?.env === 'string') resource.spec.env = envs[resource.spec.env];
    }
  }
  return { ...json, format: 3 };
}
