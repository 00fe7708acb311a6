/**
 * The CLI's prebuilt bundle: startup.ts and every harness module it imports, compiled into one
 * plain-JavaScript file under node_modules/.cache/kata-cli/ (git-ignored with node_modules,
 * rebuilt after `npm ci`), so the commands that import no TypeScript at run time start without
 * tsx, whose import and register() alone cost about 0.2 s here. Packages stay external: node
 * loads them as installed.
 *
 * Fresh means built from exactly the bytes now on disk: the stamp lists every source file the
 * bundle was built from, and the bundle is named after a hash of their paths and contents (and of
 * this builder). Any edit makes the stamp stale and the next `kata` rebuilds; the build writes
 * each file under a temporary name and renames it, so concurrent runs never read half a bundle.
 *
 * Plain JavaScript, like kata.js, so it runs before any TypeScript loader is registered.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const builderFile = fileURLToPath(import.meta.url);
const repository = resolve(dirname(builderFile), '..', '..');
const entryFile = join(dirname(builderFile), 'startup.ts');

/** Where this checkout's bundle lives. */
export const defaultCacheDir = join(repository, 'node_modules', '.cache', 'kata-cli');

/**
 * Several checkouts may share one node_modules (a linked scratch tree, a mutation sandbox): each
 * bundle has the absolute paths of its own sources in it, so each checkout keeps its own.
 */
const checkout = createHash('sha256').update(repository).digest('hex').slice(0, 12);
const stampFile = (dir) => join(dir, `${checkout}.json`);
const bundleFile = (dir, hash) => join(dir, `${checkout}-${hash.slice(0, 16)}.mjs`);

/** A hash of the builder and of each source file's path and bytes. */
function fingerprint(sources) {
  const hash = createHash('sha256').update(readFileSync(builderFile));
  for (const path of [...sources.keys()].sort()) hash.update(`\0${path}\0`).update(sources.get(path));
  return hash.digest('hex');
}

/** The bundle built from the sources as they are now, or undefined when there is none (or it is stale). */
export function freshBundle(dir = defaultCacheDir) {
  try {
    const stamp = JSON.parse(readFileSync(stampFile(dir), 'utf8'));
    const sources = new Map(stamp.sources.map((path) => [path, readFileSync(path)]));
    const hash = fingerprint(sources);
    const file = bundleFile(dir, hash);
    return hash === stamp.hash && existsSync(file) ? file : undefined;
  } catch {
    // No stamp yet, a corrupt one, or a source that is gone: all mean "build again".
    return undefined;
  }
}

/** Builds the bundle from the sources on disk and returns its file. Throws what esbuild reports. */
export async function buildBundle(dir = defaultCacheDir) {
  const esbuild = await import('esbuild');
  const sources = new Map();
  const result = await esbuild.build({
    entryPoints: [entryFile],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    outfile: join(dir, 'kata.mjs'),
    logLevel: 'silent',
    plugins: [ownUrls(esbuild, sources), lazyEsbuild],
  });
  const hash = fingerprint(sources);
  const file = bundleFile(dir, hash);
  mkdirSync(dir, { recursive: true });
  writeAtomically(file, result.outputFiles[0].contents);
  writeAtomically(stampFile(dir), `${JSON.stringify({ hash, sources: [...sources.keys()].sort() })}\n`);
  for (const name of readdirSync(dir)) {
    const other = join(dir, name);
    // This checkout's older bundles; one may still be loading in another process, which is why
    // a failed import in kata.js falls back to the sources. Another build's temporary file stays.
    if (name.startsWith(`${checkout}-`) && name.endsWith('.mjs') && other !== file) rmSync(other, { force: true });
  }
  return file;
}

function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

/**
 * Each module keeps its own import.meta.url (the harness finds its root, the CLI binary and its
 * data files from it), and each source read is recorded for the stamp. `define` replaces the
 * expression in the syntax tree, so a string that merely contains the words is left alone.
 */
function ownUrls(esbuild, sources) {
  const loaders = { '.ts': 'ts', '.js': 'js', '.mjs': 'js', '.json': 'json' };
  return {
    name: 'kata-own-urls',
    setup(build) {
      // The project's compiler options, as tsx applies them; a change to them is a change of source.
      const tsconfigFile = join(repository, 'tsconfig.json');
      const tsconfig = readFileSync(tsconfigFile, 'utf8');
      sources.set(tsconfigFile, Buffer.from(tsconfig));
      build.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
        const loader = loaders[extname(args.path)];
        if (loader === undefined) throw new Error(`kata bundle: cannot bundle ${args.path}: not .ts, .js or .json`);
        const bytes = readFileSync(args.path);
        sources.set(args.path, bytes);
        if (loader === 'json') return { contents: bytes, loader };
        const compiled = await esbuild.transform(bytes.toString('utf8'), {
          loader,
          format: 'esm',
          target: 'node20',
          sourcefile: args.path,
          define: { 'import.meta.url': JSON.stringify(pathToFileURL(args.path).href) },
          tsconfigRaw: tsconfig,
        });
        return { contents: compiled.code, loader: 'js' };
      });
    },
  };
}

/**
 * esbuild itself is imported by the runner's compile step, which the bundled commands reach but
 * never call; loading it costs about 0.06 s, so the bundle imports it on first use. Only its
 * asynchronous functions can wait for that: a module importing any other name fails the build
 * ("No matching export"), and kata.js then runs the sources instead.
 */
const lazyEsbuild = {
  name: 'kata-lazy-esbuild',
  setup(build) {
    build.onResolve({ filter: /^esbuild$/ }, (args) =>
      args.namespace === 'kata-lazy-esbuild'
        ? { path: 'esbuild', external: true }
        : { path: 'esbuild', namespace: 'kata-lazy-esbuild' },
    );
    build.onLoad({ filter: /.*/, namespace: 'kata-lazy-esbuild' }, () => ({
      contents: [
        'let loaded;',
        "const load = () => (loaded ??= import('esbuild'));",
        ...['build', 'transform', 'formatMessages', 'analyzeMetafile', 'context'].map(
          (name) => `export const ${name} = async (...args) => (await load()).${name}(...args);`,
        ),
      ].join('\n'),
      loader: 'js',
      resolveDir: dirname(builderFile),
    }));
  },
};
