/**
 * Worker threads cannot load TypeScript through tsx on Node 20 (`--import tsx` fails there with
 * ERR_UNKNOWN_FILE_EXTENSION), so the module under test, the scenario and the worker runtime are
 * bundled into one ESM file with esbuild first (tens of milliseconds). better-sqlite3 stays an
 * external import by absolute path: its native binding cannot be bundled. So does pg (PostgreSQL's
 * client), whose optional native binding esbuild cannot resolve.
 */
import { build, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const runtimeFile = fileURLToPath(new URL('./runtime.ts', import.meta.url));
/** The repository's node_modules, for targets that live outside it (a candidate's directory). */
const repositoryModules = resolve(dirname(require.resolve('esbuild/package.json')), '..');
const NATIVE_PACKAGES = ['better-sqlite3', 'pg'];

export class WorkerBundleError extends Error {
  readonly code = 'ERR_WORKER_BUNDLE';

  constructor(file: string, detail: string) {
    super(`could not bundle ${file} for worker threads: ${detail}`);
    this.name = 'WorkerBundleError';
  }
}

const nativeExternals: Plugin = {
  name: 'native-externals',
  setup(pluginBuild) {
    const filter = new RegExp(`^(?:${NATIVE_PACKAGES.join('|')})$`);
    pluginBuild.onResolve({ filter }, (args) => ({
      path: pathToFileURL(require.resolve(args.path)).href,
      external: true,
    }));
  },
};

/**
 * Bundles are named by a hash of their content in one shared directory: identical bundles from
 * parallel test processes are written once, and nothing is left to clean up per process.
 */
const bundleDir = join(tmpdir(), 'backend-katas-worker-bundles');
const bundles = new Map<string, { stamp: string; file: Promise<string> }>();

function stampOf(...files: string[]): string {
  return files.map((file) => `${file}@${statSync(file).mtimeMs}`).join('|');
}

/** The path of an .mjs file that runs `scenarioFile` against `targetFile` in a worker. Cached per process. */
export function bundleWorker(scenarioFile: string, targetFile: string): Promise<string> {
  const key = `${scenarioFile}\u0000${targetFile}`;
  let stamp: string;
  try {
    stamp = stampOf(scenarioFile, targetFile);
  } catch (error) {
    return Promise.reject(new WorkerBundleError(targetFile, (error as Error).message));
  }
  const cached = bundles.get(key);
  if (cached !== undefined && cached.stamp === stamp) return cached.file;
  const file = buildBundle(scenarioFile, targetFile);
  bundles.set(key, { stamp, file });
  file.catch(() => bundles.delete(key));
  return file;
}

async function buildBundle(scenarioFile: string, targetFile: string): Promise<string> {
  const entry = [
    `import * as target from ${JSON.stringify(targetFile)};`,
    `import scenario from ${JSON.stringify(scenarioFile)};`,
    `import { runWorkerScenario } from ${JSON.stringify(runtimeFile)};`,
    'await runWorkerScenario(target, scenario);',
  ].join('\n');
  let code: string;
  try {
    const result = await build({
      stdin: { contents: entry, loader: 'ts', resolveDir: dirname(runtimeFile), sourcefile: 'worker-entry.ts' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      nodePaths: [repositoryModules],
      plugins: [nativeExternals],
      // Bundled CommonJS dependencies may call require(); give the ESM bundle one.
      banner: {
        js: "import { createRequire as __kataCreateRequire } from 'node:module';\nconst require = __kataCreateRequire(import.meta.url);",
      },
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const detail =
      errors
        ?.slice(0, 3)
        .map((entry) => (entry.location ? `${entry.location.file}:${entry.location.line}: ${entry.text}` : entry.text))
        .join('; ') ?? (error as Error).message;
    throw new WorkerBundleError(targetFile, detail);
  }
  const file = join(bundleDir, `${createHash('sha256').update(code).digest('hex').slice(0, 32)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(bundleDir, { recursive: true });
    // Write then rename, so a parallel process never loads a half-written bundle.
    const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return file;
}
