/**
 * A manifest as a client may send it: what `get -o yaml` printed is accepted back, as Kubernetes
 * does, so the server drops `status` and the metadata it sets itself (uid, generation,
 * creationTimestamp). `resourceVersion` stays: a client that kept it asks for it as a precondition.
 */
const SERVER_SET_METADATA = ['uid', 'generation', 'creationTimestamp', 'deletionTimestamp', 'managedFields', 'selfLink'];

export function withoutServerFields(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const { status: _status, ...manifest } = body as Record<string, unknown>;
  const metadata = manifest.metadata;
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) return manifest;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([key]) => !SERVER_SET_METADATA.includes(key)));
  return { ...manifest, metadata: kept };
}
