import { type CST, Lexer, Parser, parse as parseYaml, YAMLParseError } from 'yaml';
import { ApiError } from './errors.js';

/** Reads a request body as JSON or YAML according to its content type. */
export function parseManifestBody(text: string, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ApiError(400, 'BadRequest', `request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    checkFlowDepth(text);
    checkBlockDepth(text);
    try {
      return parseYaml(text, { maxAliasCount: 100 });
    } catch (error) {
      const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
      throw new ApiError(400, 'BadRequest', `request body is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new ApiError(415, 'UnsupportedMediaType', `content type "${type || '(none)'}" is not supported: send application/json or application/yaml`);
}

/** Far deeper than any manifest; a body past it is refused before the YAML parser sees it. */
const MAX_FLOW_DEPTH = 100;

/**
 * The YAML parser recurses once per level of flow nesting (`[[[...`): thousands of levels run V8
 * out of stack inside its regexp compiler, which kills the process instead of throwing. The lexer
 * does not recurse, and its bracket tokens are outside quoted scalars, so count them first.
 */
function checkFlowDepth(text: string): void {
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') depth++;
    else if (token === ']' || token === '}') depth--;
    if (depth > MAX_FLOW_DEPTH) throw tooDeep();
  }
}

/**
 * Block nesting (indentation) recurses in the parser's composer too, and how deep it gets before
 * the stack runs out depends on what else is on the stack: a body 1 000 levels deep was refused
 * on one run and parsed on the next. The CST parser keeps an explicit stack, so measure the
 * nesting on its tokens, without recursion, before composing anything.
 */
function checkBlockDepth(text: string): void {
  const pending: Array<{ token: CST.Token | undefined; depth: number }> = [];
  for (const token of new Parser().parse(text)) pending.push({ token, depth: 0 });
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { token, depth } = next;
    if (!token) continue;
    if (depth > MAX_FLOW_DEPTH) throw tooDeep();
    if (token.type === 'document') pending.push({ token: token.value, depth });
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if ('key' in item && item.key) pending.push({ token: item.key, depth: depth + 1 });
        if (item.value) pending.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
}

function tooDeep(): ApiError {
  return new ApiError(400, 'BadRequest', `request body is nested deeper than ${MAX_FLOW_DEPTH} levels`);
}

const KINDS_BY_PLURAL: Record<string, string> = { namespaces: 'Namespace', functions: 'Function', triggers: 'Trigger', secrets: 'Secret' };

/** Checks that a manifest's kind, apiVersion, name and namespace agree with the path it was sent to. */
export function checkManifestTarget(body: unknown, plural: string, name: string, namespace?: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'BadRequest', 'request body must be an object (a manifest with apiVersion, kind, metadata and spec)');
  }
  const manifest = body as Record<string, unknown>;
  const expectedKind = KINDS_BY_PLURAL[plural]!;
  if (manifest.kind === undefined) throw new ApiError(422, 'Invalid', `kind is required: expected "${expectedKind}"`, [{ field: 'kind', message: 'required' }]);
  if (manifest.kind !== expectedKind) {
    throw new ApiError(400, 'BadRequest', `kind "${String(manifest.kind)}" cannot be applied at /${plural}: expected "${expectedKind}"`, [
      { field: 'kind', message: `expected ${expectedKind}` },
    ]);
  }
  const metadata = manifest.metadata as Record<string, unknown> | undefined;
  // The path names the object, but a manifest without metadata is a mistake, not a shorthand.
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ApiError(422, 'Invalid', `metadata is required: an object with at least {"name": "${name}"}`, [{ field: 'metadata', message: 'required' }]);
  }
  if (metadata.name !== undefined && metadata.name !== name) {
    throw new ApiError(400, 'BadRequest', `metadata.name "${String(metadata.name)}" does not match the name in the path "${name}"`, [
      { field: 'metadata.name', message: 'does not match the path' },
    ]);
  }
  if (namespace && metadata.namespace !== undefined && metadata.namespace !== namespace) {
    throw new ApiError(400, 'BadRequest', `metadata.namespace "${String(metadata.namespace)}" does not match the namespace in the path "${namespace}"`, [
      { field: 'metadata.namespace', message: 'does not match the path' },
    ]);
  }
  return { ...manifest, metadata: { ...metadata, name, ...(namespace ? { namespace } : {}) } };
}
