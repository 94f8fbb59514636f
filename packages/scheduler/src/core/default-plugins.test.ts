import { describe, expect, it } from 'vitest';
import { defaultPlugins, PluginConfigError, pluginsFromConfig } from './default-plugins.js';

const names = (p: ReturnType<typeof pluginsFromConfig>) => ({ filters: p.filters.map((f) => f.name), scores: p.scores.map((s) => [s.plugin.name, s.weight]) });

describe('the default plugins', () => {
  it('filter on readiness, cordon, isolation, taints, selectors, resources and pod slots, and weigh spread 2 to least-allocated 1', () => {
    expect(names(defaultPlugins)).toEqual({
      filters: ['node-ready', 'unschedulable', 'pod-isolation', 'taint-toleration', 'node-selector', 'fits-resources', 'max-pods'],
      scores: [
        ['spread-function', 2],
        ['least-allocated', 1],
      ],
    });
  });
});

describe('pluginsFromConfig', () => {
  it('gives the defaults for an empty config', () => expect(names(pluginsFromConfig({}))).toEqual(names(defaultPlugins)));

  it('replaces weights by plugin name and leaves the others', () => {
    expect(names(pluginsFromConfig({ scoreWeights: { 'least-allocated': 5 } })).scores).toEqual([
      ['spread-function', 2],
      ['least-allocated', 5],
    ]);
  });

  it('removes disabled filters and scores', () => {
    const plugins = names(pluginsFromConfig({ disabled: ['node-selector', 'spread-function'] }));
    expect(plugins.filters).not.toContain('node-selector');
    expect(plugins.filters).toHaveLength(6);
    expect(plugins.scores).toEqual([['least-allocated', 1]]);
  });

  it('rejects unknown names, naming every one', () => {
    const build = () => pluginsFromConfig({ disabled: ['node-selektor'], scoreWeights: { spread: 1, 'node-ready': 2 } });
    expect(build).toThrow(PluginConfigError);
    expect(build).toThrow(/unknown plugins node-selektor, spread, node-ready/);
    try {
      build();
    } catch (error) {
      expect((error as PluginConfigError).unknown).toEqual(['node-selektor', 'spread', 'node-ready']);
    }
  });

  it('refuses to disable node-ready, whose verdict the log enforces anyway', () => {
    expect(() => pluginsFromConfig({ disabled: ['node-ready'] })).toThrow(/node-ready cannot be disabled/);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the weight %s', (weight) => {
    expect(() => pluginsFromConfig({ scoreWeights: { 'least-allocated': weight } })).toThrow(/finite numbers ≥ 0: least-allocated/);
  });

  it('does not change the defaults it starts from', () => {
    pluginsFromConfig({ scoreWeights: { 'spread-function': 9 }, disabled: ['max-pods'] });
    expect(names(defaultPlugins).scores).toEqual([
      ['spread-function', 2],
      ['least-allocated', 1],
    ]);
    expect(defaultPlugins.filters).toHaveLength(7);
  });
});
