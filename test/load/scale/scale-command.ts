import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { runScale, type ScalePart } from './run-scale.js';
import { formatScaleReport, scaleSvgs } from './scale-report.js';
import { FULL_SCALE_PLAN, SMOKE_SCALE_PLAN } from './scale-plan.js';

/** `npm run load -- scale [--smoke]`: runs the scale measurements, prints their tables, writes scale.json and two SVG plots. */
export async function scaleCommand(options: {
  smoke: boolean;
  part?: ScalePart;
  repoRoot: string;
  outDir: string;
  apiAgent: Dispatcher;
  signal: AbortSignal;
}): Promise<void> {
  const plan = options.smoke ? SMOKE_SCALE_PLAN : FULL_SCALE_PLAN;
  console.log(
    `\nscale${options.smoke ? ' (smoke)' : ''}: ${plan.nodes} simulated nodes, functions ${plan.functionSteps.join(' / ')}, events ${plan.eventSteps.join(' / ')}`,
  );
  const ctx = { repoRoot: options.repoRoot, apiAgent: options.apiAgent, signal: options.signal, log: (line: string) => console.log(`  ${line}`) };
  const result = await runScale(plan, ctx, options.part ? [options.part] : undefined);
  const suffix = `${options.part ? `-${options.part}` : ''}${options.smoke ? '-smoke' : ''}`;
  const svgs = scaleSvgs(result);
  const files = {
    json: join(options.outDir, `scale${suffix}.json`),
    functions: join(options.outDir, `scale-functions${options.smoke ? '-smoke' : ''}.svg`),
    events: join(options.outDir, `scale-events${options.smoke ? '-smoke' : ''}.svg`),
  };
  await writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`);
  if (result.functionSteps.length > 0) await writeFile(files.functions, svgs.functions);
  if (result.eventSteps.length > 0) await writeFile(files.events, svgs.events);
  console.log(`\n${formatScaleReport(result)}\n\nwrote ${files.functions}, ${files.events} and ${files.json}`);
  const refused = result.functionSteps.reduce((sum, step) => sum + step.fleetRefused, 0);
  if (refused > 0) {
    console.log(`\nFAILED: the fold refused ${refused} report(s) of the simulated nodes`);
    process.exitCode = 1;
  } else console.log('\nOK: every step measured');
}
