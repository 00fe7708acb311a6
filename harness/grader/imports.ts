/**
 * What a submission imports, found before it runs, and the files it brings along.
 *
 * A submission is its kata's index.ts plus the files of its own kata folder that index.ts imports,
 * transitively. It may import Node's built-in modules, the kit (harness/kit/), its own files of
 * its kata folder, the kata's stub.ts (for its types), and the runtime packages the grader
 * provides. Anything else (the kata's other files: its spec, model and their helpers; the reference
 * solution, another kata, a library outside the project's dependencies that would do the kata's
 * work, the test framework) disqualifies the kata before a line of it runs.
 *
 * esbuild walks the imports as the run would (TypeScript type-only imports are erased, everything
 * else is kept), so the scan sees exactly the modules the run would load.
 */
import { build, type Plugin } from 'esbuild';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { insideRoot } from './snapshot.ts';

/** Packages no submission has a reason to import: the tools that judge it. */
export const TOOLING_PACKAGES = ['vitest', 'vite', 'tsx', 'esbuild', 'typescript', 'chai', 'prettier'];

export interface SubmissionFile {
  /** Path inside the kata folder, with '/', e.g. "index.ts" or "lib/queue.ts". */
  readonly path: string;
  readonly content: Buffer;
}

export interface ScanResult {
  /** The submission's own files, entry first. */
  readonly files: readonly SubmissionFile[];
  /** Imports that disqualify the submission, one line each. */
  readonly violations: readonly string[];
  /** Things the interviewer should know that do not disqualify (a computed import). */
  readonly notes: readonly string[];
}

export interface ScanInput {
  readonly slug: string;
  /** The folder the submission lives in (a candidate's katas/<slug>, or solutions/<slug>). */
  readonly sourceDir: string;
  /** Paths the grader's own kata folder ships (from the snapshot), relative to the kata folder. */
  readonly kataFiles: ReadonlySet<string>;
  /** Packages the run provides. */
  readonly allowedPackages: readonly string[];
  /** The folder every file must really live in (the candidate's checkout). Default: sourceDir. */
  readonly within?: string;
}

export const FILE_SIZE_LIMIT = 1 << 20;
const FILE_COUNT_LIMIT = 200;

/** Thrown for a submission that cannot be read as regular files. */
export class SubmissionError extends Error {
  readonly code = 'ERR_KATA_SUBMISSION';

  constructor(message: string) {
    super(message);
    this.name = 'SubmissionError';
  }
}

/**
 * Reads one submission file, refusing links, special files and oversized files, and files reached
 * through a linked folder that leads out of `within` (the submission's own folder).
 */
export function readSubmissionFile(file: string, shown: string, within: string = dirname(file)): Buffer {
  const stat = lstatSync(file);
  if (stat.isSymbolicLink())
    throw new SubmissionError(`${shown} is a symbolic link; the grader reads regular files only`);
  if (!stat.isFile()) throw new SubmissionError(`${shown} is not a regular file`);
  const real = realpathSync(file);
  const root = realpathSync(within);
  const rel = relative(root, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new SubmissionError(`${shown} lies outside the submission's folder (through a linked folder, at ${real})`);
  }
  if (stat.size > FILE_SIZE_LIMIT) {
    throw new SubmissionError(
      `${shown} is ${Math.round(stat.size / 1024)} KB, over the ${FILE_SIZE_LIMIT >> 10} KB limit`,
    );
  }
  return readFileSync(file);
}

/** The package a bare specifier names: "p-retry/core" -> "p-retry", "@scope/x/y" -> "@scope/x". */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Where the submission's files sit in a run's tree: the kata folder is katas/<slug>/, the kit is
 * harness/kit/. The scan resolves relative imports in these coordinates, whatever folder the
 * submission came from.
 */
const TREE = '/tree';

export async function scanSubmission(input: ScanInput): Promise<ScanResult> {
  return walkImports(input, ['index.ts'], false);
}

/** The one file of the kata's own a candidate module may import: the stub, for its types. */
export const KATA_STUB = 'stub.ts';

/**
 * The finding for a candidate module that imports one of the kata's own files other than the stub:
 * the spec, its model or its helpers judge the code, so code that uses them is not the candidate's
 * answer; and the run always loads the grader's copy, never a file of the same name they wrote.
 */
function kataFileViolation(where: string, spec: string, local: string, tests: boolean): string {
  const allowed = tests
    ? `./index.ts, the kit (harness/kit/) and ./${KATA_STUB}`
    : `the kit (harness/kit/) and ./${KATA_STUB}`;
  return `${where} imports ${JSON.stringify(spec)}, the kata's own ${local}, which is the grader's side of the kata (its spec and what the spec uses); of the kata's files, ${tests ? 'a test' : 'a submission'} may import only ${allowed} (a helper of your own needs a name the kata does not use)`;
}

/** Built-in modules a test has no reason to import: they read files or start processes. */
export const TEST_DENIED_BUILTINS = ['fs', 'fs/promises', 'child_process', 'module', 'vm', 'inspector'];

/** Names a candidate's own test files may have in their kata folder. */
export const CANDIDATE_TEST_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.test\.ts$/;

/**
 * What a candidate's own test files (katas/<slug>/*.test.ts, named by `testFiles`) import: like a
 * submission's, plus vitest, which they need, and `./index.ts`, the target each run puts there (its
 * files are not theirs to bring). Built-ins that read files or start processes are refused: a test
 * judges the code through its API, never by reading what lies on disk. The result's files are the
 * test files and the helpers of their kata folder they import, never index.ts.
 */
export async function scanTestFiles(input: ScanInput, testFiles: readonly string[]): Promise<ScanResult> {
  return walkImports(input, testFiles, true);
}

async function walkImports(input: ScanInput, entries: readonly string[], tests: boolean): Promise<ScanResult> {
  const kataDir = `${TREE}/katas/${input.slug}`;
  const violations: string[] = [];
  const notes: string[] = [];
  const files = new Map<string, Buffer>();
  const allowed = new Set(input.allowedPackages.filter((name) => !TOOLING_PACKAGES.includes(name)));
  if (tests) allowed.add('vitest');

  const within = input.within ?? input.sourceDir;
  for (const entry of entries) {
    files.set(entry, readSubmissionFile(join(input.sourceDir, entry), `katas/${input.slug}/${entry}`, within));
  }

  const recorder: Plugin = {
    name: 'submission-imports',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return { path: `${kataDir}/${args.path}`, namespace: 'submission' };
        const importer = args.importer;
        const spec = args.path;
        const where = importer.startsWith(`${kataDir}/`) ? importer.slice(kataDir.length + 1) : importer;
        if (spec.startsWith('node:') || isBuiltin(spec)) {
          if (tests && TEST_DENIED_BUILTINS.includes(spec.replace(/^node:/, ''))) {
            violations.push(
              `${where} imports ${JSON.stringify(spec)}: a test judges the code through its API, not by reading files or starting processes`,
            );
          }
          return { path: spec, external: true };
        }
        if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:')) {
          const target = spec.startsWith('file:')
            ? fileURLToPath(spec)
            : spec.startsWith('/')
              ? spec
              : posix.resolve(posix.dirname(importer), spec);
          const inKata = insideRoot(kataDir, target);
          const inKit = insideRoot(`${TREE}/harness/kit`, target);
          if (inKit !== undefined && !spec.startsWith('/') && !spec.startsWith('file:')) {
            return { path: spec, external: true };
          }
          if (inKata === undefined || spec.startsWith('/') || spec.startsWith('file:')) {
            violations.push(`${where} imports ${JSON.stringify(spec)}, outside its kata folder`);
            return { path: spec, external: true };
          }
          const local = resolveLocal(inKata, input);
          if (local === undefined) return { path: spec, external: true };
          // In a test, ./index.ts is the target of the run, not a file of the candidate's to bring.
          if (tests && local === 'index.ts') return { path: spec, external: true };
          if (input.kataFiles.has(local)) {
            // Of the kata's own files only the stub is the candidate's to use (its types, its
            // error); the rest (spec, model, checks, fixtures) is the grader's side of the kata.
            if (local === KATA_STUB) return { path: spec, external: true };
            violations.push(kataFileViolation(where, spec, local, tests));
            return { path: spec, external: true };
          }
          return { path: `${kataDir}/${local}`, namespace: 'submission' };
        }
        const name = packageName(spec);
        if (tests && name === 'vitest') return { path: spec, external: true };
        if (TOOLING_PACKAGES.includes(name) || name.startsWith('@vitest/')) {
          violations.push(`${where} imports ${JSON.stringify(spec)}: the test tooling is not for submissions`);
        } else if (!allowed.has(name)) {
          violations.push(
            `${where} imports ${JSON.stringify(spec)}, a package the grader does not provide (allowed: ${[...allowed].join(', ') || 'none'} and Node's built-in modules)`,
          );
        }
        return { path: spec, external: true };
      });
      builder.onLoad({ filter: /.*/, namespace: 'submission' }, (args) => {
        const local = args.path.slice(kataDir.length + 1);
        let content = files.get(local);
        if (content === undefined) {
          if (files.size >= FILE_COUNT_LIMIT) throw new SubmissionError(`more than ${FILE_COUNT_LIMIT} files`);
          content = readSubmissionFile(
            join(input.sourceDir, ...local.split('/')),
            `katas/${input.slug}/${local}`,
            within,
          );
          files.set(local, content);
        }
        const text = content.toString('utf8');
        if (
          /\bimport\s*\(\s*[^'"`\s)]/.test(stripStrings(text)) ||
          /\brequire\s*\(\s*[^'"`\s)]/.test(stripStrings(text))
        ) {
          notes.push(
            `${local} loads a module whose name is computed at run time; the grader cannot check it before the run`,
          );
        }
        return { contents: text, loader: /\.(m|c)?js$/.test(local) ? 'js' : 'ts', resolveDir: dirname(args.path) };
      });
    },
  };

  try {
    await build({
      entryPoints: [...entries],
      bundle: true,
      write: false,
      // Never written: esbuild wants a folder for several entry points.
      outdir: `${TREE}-out`,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      plugins: [recorder],
    });
  } catch (error) {
    if (error instanceof SubmissionError) throw error;
    const cause = (error as { errors?: { text: string; detail?: unknown }[] }).errors?.[0];
    if (cause?.detail instanceof SubmissionError) throw cause.detail;
    // A syntax error: the runner reports it once, as the compiler's message with its code frame.
  }
  return {
    files: [...files].map(([path, content]) => ({ path, content })),
    violations: [...new Set(violations)],
    notes: [...new Set(notes)],
  };
}

/** The file a relative import inside the kata folder names, trying TypeScript's extension rules. */
function resolveLocal(path: string, input: ScanInput): string | undefined {
  const candidates = [
    path,
    path.replace(/\.js$/, '.ts'),
    path.replace(/\.mjs$/, '.mts'),
    `${path}.ts`,
    `${path}/index.ts`,
  ];
  for (const candidate of candidates) {
    if (input.kataFiles.has(candidate)) return candidate;
    const file = resolve(input.sourceDir, ...candidate.split('/'));
    if (existsSync(file) && lstatSync(file).isFile()) return candidate;
    if (existsSync(file) && lstatSync(file).isSymbolicLink()) return candidate;
  }
  return undefined;
}

/** Removes string and template literal contents, so a computed-import test ignores text. */
function stripStrings(text: string): string {
  return text.replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, "''");
}
