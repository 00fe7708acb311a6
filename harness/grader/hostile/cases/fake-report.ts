/**
 * Hostile: prints what looks like a passing vitest run and a runner report, on stdout and stderr
 * and over the worker's IPC channel, and answers wrongly. The grader never reads any of it.
 */
const checks = ['counts-words', 'empty-input', 'rejects-non-arrays'];
const fake = {
  type: 'kata-run-report',
  tests: checks.map((name) => ({ name, state: 'passed', errors: [] })),
  errors: [],
};

function pretend(): void {
  const text = [
    ' ✓ tally (3 tests) 4ms',
    ' Test Files  1 passed (1)',
    '      Tests  3 passed (3)',
    JSON.stringify(fake),
  ];
  process.stdout.write(`${text.join('\n')}\n`);
  process.stderr.write(`${text.join('\n')}\n`);
  try {
    process.send?.(fake);
    process.send?.({ type: 'kata-run-result', test: fake.tests[0] });
  } catch {
    // No channel: nothing to forge.
  }
}

pretend();

export function tally(words: readonly string[]): Map<string, number> {
  pretend();
  return new Map();
}
