/**
 * The physical name of a namespace's topic on the platform's bus (the embedded log, or the
 * cluster's Kafka): `<namespace>.<topic>`. A namespace is a DNS label (no dots), so the name reads
 * back unambiguously, and tenants' topics never meet. A trigger that names `brokers` reads an
 * external cluster's topics by their own names instead.
 */
export function platformTopic(namespace: string, topic: string): string {
  return `${namespace}.${topic}`;
}

/** The namespace and topic of a platform topic's physical name, or undefined for another name. */
export function parsePlatformTopic(physical: string): { namespace: string; topic: string } | undefined {
  const dot = physical.indexOf('.');
  if (dot <= 0 || dot === physical.length - 1) return undefined;
  return { namespace: physical.slice(0, dot), topic: physical.slice(dot + 1) };
}
