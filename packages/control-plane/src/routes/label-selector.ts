/**
 * Kubernetes' equality- and set-less label selectors: `k=v`, `k==v`, `k!=v`, `k` (has the label) and
 * `!k` (lacks it), comma-separated, all of which must hold. Pure: the list routes parse once and match.
 */
export type LabelRequirement = { key: string; op: 'equals' | 'notEquals'; value: string } | { key: string; op: 'exists' | 'doesNotExist' };

export type ParsedSelector = { ok: true; requirements: LabelRequirement[] } | { ok: false; term: string; message: string };

// A label key as Kubernetes has it: an optional DNS prefix and a name of up to 63 characters.
const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function parseLabelSelector(selector: string | undefined): ParsedSelector {
  if (selector === undefined || selector.trim() === '') return { ok: true, requirements: [] };
  const requirements: LabelRequirement[] = [];
  for (const raw of selector.split(',')) {
    const term = raw.trim();
    const parsed = parseTerm(term);
    if (typeof parsed === 'string') return { ok: false, term, message: parsed };
    requirements.push(parsed);
  }
  return { ok: true, requirements };
}

function parseTerm(term: string): LabelRequirement | string {
  const match = /^(!?)([^=!]*)(?:(==|=|!=)(.*))?$/.exec(term);
  if (!match || term === '') return 'must be key=value, key!=value, key or !key';
  const [, not, rawKey, op, rawValue] = match;
  const key = rawKey!.trim();
  if (!KEY.test(key)) return `"${key}" is not a valid label key`;
  if (op === undefined) return { key, op: not ? 'doesNotExist' : 'exists' };
  if (not) return 'must be key=value, key!=value, key or !key';
  const value = rawValue!.trim();
  if (!VALUE.test(value)) return `"${value}" is not a valid label value`;
  return { key, op: op === '!=' ? 'notEquals' : 'equals', value };
}

export function matchesSelector(labels: Readonly<Record<string, string>>, requirements: readonly LabelRequirement[]): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesNotExist':
        return !has;
      case 'equals':
        return has && labels[r.key] === r.value;
      case 'notEquals':
        return !has || labels[r.key] !== r.value;
    }
  });
}
