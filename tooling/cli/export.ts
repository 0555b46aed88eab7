/** `export --out <dir>`: the managed objects as the tenant holds them, deterministically (diff -r between environments). */
import path from 'node:path';
import { EXIT } from '../diagnostics.js';
import { exportObserved } from '../engine/export.js';
import { planRun } from '../engine/pipeline.js';
import type { CommonOptions } from './inputs.js';
import { withSession } from './session.js';

export function exportCommand(options: CommonOptions & { out: string }): Promise<number> {
  return withSession(options, async ({ target, out, planInputs }) => {
    const { observed, desired } = await planRun(target.http, planInputs());
    const written = await exportObserved(observed, desired, path.resolve(options.out));
    out.result(`Exported ${written} managed objects to ${options.out}`);
    out.jsonResult({ ok: true, exported: written, dir: options.out });
    return EXIT.ok;
  });
}
