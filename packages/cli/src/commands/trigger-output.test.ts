import { describe, expect, it } from 'vitest';
import { foldAll, newestRules, triggerManifest } from '@tide/core/testing';
import type { Trigger } from '@tide/core';
import { nameLines, renderTable } from './get-table.js';
import { triggerDescription } from './describe-trigger.js';
import { pluralOf, manifestPath } from '../paths.js';

/** Triggers as the fold makes them, so the output is read from real objects. */
function triggers(): { nightly: Trigger; orders: Trigger } {
  const { state } = foldAll([
    ...newestRules(),
    { type: 'NamespaceApplied', data: { name: 'default', labels: {}, annotations: {} } },
    {
      type: 'TriggerApplied',
      data: { namespace: 'default', manifest: triggerManifest('nightly', { function: 'report', cron: { schedule: '0 3 * * *', timeZone: 'Europe/Paris' } }) },
    },
    {
      type: 'TriggerApplied',
      data: {
        namespace: 'default',
        manifest: triggerManifest('orders', { function: 'reserve', kafka: { topics: ['orders', 'refunds'], deadLetterTopic: 'orders-dlq' } }),
      },
    },
    { type: 'CronFired', data: { namespace: 'default', name: 'nightly', tick: Date.parse('2023-11-14T02:00:00Z'), late: false } },
  ] as Parameters<typeof foldAll>[0]);
  return { nightly: state.triggers.get('default/nightly')!, orders: state.triggers.get('default/orders')! };
}

describe('tide get triggers', () => {
  it('prints NAME TYPE FUNCTION SOURCE LAST-FIRED AGE: the schedule (and zone) or the topics', () => {
    const { nightly, orders } = triggers();
    const lines = renderTable('triggers', [nightly, orders], { format: 'table' }).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+FUNCTION\s+SOURCE\s+LAST-FIRED\s+AGE$/);
    expect(lines[1]).toMatch(/^nightly\s+cron\s+report\s+0 3 \* \* \* \(Europe\/Paris\)\s+\d+d ago\s+\d+d$/);
    expect(lines[2]).toMatch(/^orders\s+kafka\s+reserve\s+orders,refunds\s+-\s+\d+d$/);
  });

  it('-o name and the resource names a user types', () => {
    expect(nameLines('triggers', [triggers().orders])).toEqual(['trigger/orders']);
    expect(pluralOf('trigger')).toBe('triggers');
    expect(pluralOf('Triggers')).toBe('triggers');
    expect(manifestPath({ kind: 'Trigger', metadata: { name: 'nightly' } }, 'team')).toBe('/apis/tide.dev/v1/namespaces/team/triggers/nightly');
  });
});

describe('tide describe trigger', () => {
  it('says what a cron trigger fired and that its function is missing', () => {
    const text = triggerDescription(triggers().nightly, false);
    expect(text).toMatch(/^Type:\s+cron$/m);
    expect(text).toMatch(/^Function:\s+report \(missing: no function "report" in namespace default/m);
    expect(text).toMatch(/^Schedule:\s+0 3 \* \* \* \(Europe\/Paris\)$/m);
    expect(text).toMatch(/^ {2}Fired:\s+1$/m);
    expect(text).toMatch(/^ {2}Skipped:\s+0$/m);
    expect(text).toMatch(/^ {2}Last tick:\s+2023-11-14T02:00:00.000Z$/m);
  });

  it('gives a kafka trigger its topics, group, retries and dead-letter topic', () => {
    const text = triggerDescription(triggers().orders, true);
    expect(text).toMatch(/^Function:\s+reserve$/m);
    expect(text).toMatch(/^Topics:\s+orders, refunds$/m);
    expect(text).toMatch(/^Consumer group:\s+tide-trigger\.default\.orders$/m);
    expect(text).toMatch(/^Retries:\s+3, back-off 1000ms × 2 up to 60000ms$/m);
    expect(text).toMatch(/^Dead letters:\s+orders-dlq$/m);
    expect(text).not.toMatch(/Fired:/);
  });
});
