#!/usr/bin/env node
// The `kata` binary. Plain JavaScript, so node runs it as it is. A command that may import
// TypeScript at run time (a spec, a stub, a candidate's file) runs the sources under tsx's loader;
// the others run from a prebuilt bundle of the same sources (bundle.js), rebuilt whenever one
// changed, because importing and registering tsx alone costs about 0.2 s of the 0.3 s they may
// take to start.
// KATA_CLI_BUNDLE=0 runs every command from the sources.
import { pathToFileURL } from 'node:url';

// An optimisation only (startup.ts decides for every command line): these always load specs, so
// they need not look at the bundle first.
const ALWAYS_LOADER = new Set(['test', 'watch', 'grade', 'rules']);

async function fromBundle(argv) {
  let cli;
  try {
    const { buildBundle, freshBundle } = await import('./bundle.js');
    cli = await import(pathToFileURL(freshBundle() ?? (await buildBundle())).href);
  } catch {
    // No esbuild, a read-only node_modules, a source that does not compile: the sources run
    // instead, and tsx reports whatever is wrong with them.
    return undefined;
  }
  return cli.needsLoader(argv) ? undefined : cli.main(argv);
}

async function fromSources(argv) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('./main.ts');
  return main(argv);
}

const argv = process.argv.slice(2);
const bundled = process.env.KATA_CLI_BUNDLE !== '0' && !ALWAYS_LOADER.has(argv[0]);
process.exitCode = (bundled ? await fromBundle(argv) : undefined) ?? (await fromSources(argv));
