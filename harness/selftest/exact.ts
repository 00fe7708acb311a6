/**
 * `npm run gallery:exact -- <slug> [--only wrong-file-name,...]`: does each wrong file break its one
 * rule and nothing else? Runs the audit (exact/audit.ts) in a vitest worker and prints its report.
 * Exits 1 when a wrong file fails a check that does not declare its rule, or a named check passes
 * it. Slow by design: not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findKata, harnessRoot } from '../catalog/catalog.ts';
import type { AuditReport } from './exact/audit.ts';
import { EXACT_ONLY_ENV, EXACT_REPORT_ENV, EXACT_SLUG_ENV } from './exact/protocol.ts';

function main(args: readonly string[]): number {
  const slug = args.find((arg, index) => !arg.startsWith('-') && args[index - 1] !== '--only');
  if (slug === undefined) {
    console.error('usage: npm run gallery:exact -- <slug> [--only wrong-file-name,...]');
    return 2;
  }
  findKata(slug);
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '') : undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'kata-exact-'));
  const reportFile = join(scratch, 'report.json');
  try {
    const vitest = spawnSync(
      process.execPath,
      [
        join(harnessRoot, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'harness/selftest/exact/vitest.config.ts',
      ],
      {
        cwd: harnessRoot,
        encoding: 'utf8',
        env: {
          ...process.env,
          [EXACT_SLUG_ENV]: slug,
          [EXACT_REPORT_ENV]: reportFile,
          ...(only === undefined ? {} : { [EXACT_ONLY_ENV]: only }),
        },
      },
    );
    let report: AuditReport;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as AuditReport;
    } catch {
      // No report: the audit itself crashed; vitest's own output says why.
      process.stdout.write(vitest.stdout);
      process.stderr.write(vitest.stderr);
      console.error(`gallery:exact ${slug}: the audit did not finish (vitest exit ${String(vitest.status)})`);
      return 2;
    }
    for (const line of report.lines) console.log(line);
    return report.defects === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
