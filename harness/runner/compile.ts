/**
 * A submission that does not compile: one finding, said once with the compiler's message and
 * code frame, and never evidence of a red flag. The runner checks it before it starts anything,
 * in its own process, on the source only: esbuild parses the target and the files of its own
 * folder it imports, as the run would, and nothing of it executes. (What it exports can only be
 * seen by loading it: see exports.ts.)
 */
import { build, formatMessages, type Message, type Plugin } from 'esbuild';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

export interface CompileFailure {
  /** One line: "katas/anagram/index.ts does not compile: Expected ")" but found "{" (line 3, column 12)". */
  readonly summary: string;
  /** The compiler's messages with their code frames, as it prints them. */
  readonly detail: string;
}

/** The path a person knows the file by: relative to the tree it runs in, with '/'. */
export function shownPath(root: string, file: string): string {
  const rel = relative(root, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
}

/** Keeps imports leaving the target's folder (the kit, packages, built-ins) out of the compile. */
function ownFolderOnly(folder: string): Plugin {
  return {
    name: 'own-folder-only',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (!args.path.startsWith('.')) return { path: args.path, external: true };
        const target = resolve(args.resolveDir, args.path);
        const rel = relative(folder, target);
        if (rel.startsWith('..') || isAbsolute(rel)) return { path: args.path, external: true };
        return undefined;
      });
    },
  };
}

/**
 * Parses the target and the files of its folder it imports. Undefined when they compile; the
 * compiler's first error, with its code frame, when they do not.
 */
export async function compileProblem(targetFile: string, root: string): Promise<CompileFailure | undefined> {
  const shown = shownPath(root, targetFile);
  let errors: Message[];
  try {
    await build({
      entryPoints: [targetFile],
      absWorkingDir: root,
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'es2022',
      logLevel: 'silent',
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      plugins: [ownFolderOnly(dirname(targetFile))],
    });
    return undefined;
  } catch (error) {
    errors = (error as { errors?: Message[] }).errors ?? [];
    if (errors.length === 0) {
      return {
        summary: `${shown} does not compile: ${(error as Error).message.split('\n')[0]}`,
        detail: '',
      };
    }
  }
  const first = errors[0]!;
  const where =
    first.location === null ? '' : ` (${first.location.file}:${first.location.line}:${first.location.column + 1})`;
  const [own = '', ...others] = await formatMessages(errors.slice(0, 3), {
    kind: 'error',
    color: false,
    terminalWidth: 0,
  });
  // The first error's frame without its header and location, which the summary already says.
  const ownLines = own.split('\n');
  const location = ownLines.findIndex((line) => /:\d+:\d+:$/.test(line.trim()));
  const frame = location === -1 ? ownLines.slice(1) : ownLines.slice(location + 1);
  return {
    summary: `${shown} does not compile: ${first.text}${where}`,
    detail: [dedent(frame), ...others.map((text) => text.trimEnd())]
      .join('\n\n')
      .replace(/^\s*\n/, '')
      .trimEnd(),
  };
}

/** Removes the indentation every non-blank line shares. */
function dedent(lines: readonly string[]): string {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length);
  const shared = indents.length === 0 ? 0 : Math.min(...indents);
  return lines
    .map((line) => line.slice(shared))
    .join('\n')
    .trimEnd();
}
