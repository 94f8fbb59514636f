import { expect } from 'vitest';

/** For tests: every tag closes in order, attributes are quoted, text has no raw < or stray &. */
export function expectWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(xml); match; match = tag.exec(xml)) {
    const text = xml.slice(last, match.index);
    expect(text, `text before <${match[2]}>`).not.toMatch(/<|&(?!(amp|lt|gt|quot|apos);)/);
    const [, closing, name, , selfClosing] = match;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClosing) stack.push(name!);
    last = tag.lastIndex;
  }
  expect(xml.slice(last).trim(), 'text after the last tag').toBe('');
  expect(stack, 'tags left open').toEqual([]);
}
