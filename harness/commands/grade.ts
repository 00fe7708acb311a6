/**
 * `kata grade`: scores katas against the evaluation checklist. Grades the local katas/, a
 * candidate's checkout, a folder of checkouts (a batch, ranked), one shard of such a folder, or
 * the reference solutions, and writes the scorecard in the formats people and CI tools read.
 * Exit code 0 whenever grading ran, whatever the score; non-zero only when the grader could not.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { listKatas, type Kata } from '../catalog/catalog.ts';
import { supportedDatabases } from '../catalog/manifest.ts';
import { assessmentTemplate, AssessmentError, readAssessment, type Assessment } from '../grader/assessment.ts';
import { submissionCodes } from '../grader/batch.ts';
import { grade, type GradeTarget, type RunLimits } from '../grader/grade.ts';
import { classroomEnvLine, classroomResult, CLASSROOM_RUNNER_ID } from '../grader/render/classroom.ts';
import { renderCsv } from '../grader/render/csv.ts';
import { renderBatchJunit, renderJunit } from '../grader/render/junit.ts';
import { renderBatchMarkdown, renderMarkdown } from '../grader/render/markdown.ts';
import { renderBatch, renderScorecard } from '../grader/render/terminal.ts';
import type { BatchReport } from '../grader/report.ts';
import { inShard, parseShard, ShardError, type Shard } from '../grader/shard.ts';
import { isolationForEngine, IsolationEngineError, type IsolationChoice } from '../runner/sandbox/isolation.ts';
import { resolveCandidates, TargetError } from '../grader/targets.ts';
import type { Dialect } from '../kit/db/types.ts';
import { kataCommand } from '../runner/replay.ts';
import { parseCommandArgs, UsageError, widthOf, type Command, type CommandContext } from './command.ts';
import { appendStepSummary, writeOutput } from './outputs.ts';
import { parseEngine } from './test.ts';

const USAGE = [
  'kata grade [--solutions | --candidate DIR... [--shard i/n]] [--kata SLUG,...] [--json FILE] [--markdown FILE]',
  '           [--csv FILE] [--junit FILE] [--classroom FILE] [--classroom-env ID] [--assessment FILE]',
  '           [--concurrency N] [--memory-mb N] [--isolation auto|namespaces|process-group]',
  '           [--db sqlite|postgres]',
  'kata grade --assessment-template [--candidate DIR] [--assessment FILE]',
  '  --db postgres runs the specs on PostgreSQL (KATA_PG_URL, or a server the kit starts) and grades',
  '  only the katas whose kata.json "databases" lists it, saying which it skipped; a kata named with',
  '  --kata that does not list it is an error. It runs without namespaces (the server needs loopback).',
  '  Default: sqlite.',
].join('\n');

const ISOLATIONS: readonly IsolationChoice[] = ['auto', 'namespaces', 'process-group'];

function positiveInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`kata grade: ${flag} must be a positive integer, received ${JSON.stringify(raw)}`);
  }
  return value;
}

function write(file: string, content: string, what: string, context: CommandContext): boolean {
  return writeOutput('grade', file, content, what, context);
}

/**
 * The katas to grade on `engine`: those named with --kata (each must list the engine: asked for by
 * name, a kata left out silently would read as graded), or else every kata that lists it, saying
 * on stderr which were skipped and why. Undefined: every kata, none skipped.
 */
export function katasForEngine(
  engine: Dialect,
  catalogue: readonly Kata[],
  named: readonly string[] | undefined,
  context: CommandContext,
): string[] | undefined {
  const supports = (slug: string): boolean =>
    supportedDatabases(catalogue.find((kata) => kata.slug === slug)!.manifest).includes(engine);
  if (named !== undefined) {
    const unsupported = named.filter((slug) => !supports(slug));
    if (unsupported.length > 0) {
      const on = catalogue.filter((kata) => supports(kata.slug)).map((kata) => kata.slug);
      throw new UsageError(
        `kata grade: --kata ${unsupported.join(',')} does not run on --db ${engine} (its kata.json "databases" does not list it); katas that do: ${on.join(', ') || 'none'}`,
      );
    }
    return [...named];
  }
  const skipped = catalogue.filter((kata) => !supports(kata.slug)).map((kata) => kata.slug);
  if (skipped.length === 0) return undefined;
  const graded = catalogue.filter((kata) => supports(kata.slug)).map((kata) => kata.slug);
  if (graded.length === 0) throw new UsageError(`kata grade: no kata's kata.json "databases" lists ${engine}`);
  context.err(
    `kata grade: --db ${engine}: grading ${graded.join(', ')}; skipped ${skipped.join(', ')} (their kata.json "databases" does not list ${engine})`,
  );
  return graded;
}

export const gradeCommand: Command = {
  name: 'grade',
  summary: 'score katas against the evaluation checklist (a candidate, a batch, or the references)',
  usage: USAGE,
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'grade',
      args,
      {
        solutions: { type: 'boolean' },
        candidate: { type: 'string', multiple: true },
        kata: { type: 'string', multiple: true },
        json: { type: 'string' },
        markdown: { type: 'string' },
        csv: { type: 'string' },
        assessment: { type: 'string' },
        'assessment-template': { type: 'boolean' },
        concurrency: { type: 'string' },
        'memory-mb': { type: 'string' },
        isolation: { type: 'string' },
        junit: { type: 'string' },
        classroom: { type: 'string' },
        'classroom-env': { type: 'string' },
        shard: { type: 'string' },
        db: { type: 'string' },
      },
      true,
      context.invocation,
    );
    if (positionals.length > 0) {
      throw new UsageError(
        `kata grade: unexpected argument "${positionals[0]}" (did you mean --candidate ${positionals[0]}?)`,
      );
    }

    if (values['assessment-template']) {
      // For one candidate: the template names them, so it cannot be used for someone else by mistake.
      const named = values.candidate?.length === 1 ? basename(resolve(values.candidate[0]!)) : '';
      const template = assessmentTemplate(named);
      if (values.assessment === undefined) {
        context.out(template.trimEnd());
        return 0;
      }
      if (existsSync(values.assessment)) {
        throw new UsageError(`kata grade: ${values.assessment} already exists; the template never overwrites a file`);
      }
      return write(values.assessment, template, 'assessment template', context) ? 0 : 1;
    }

    if (values.solutions && values.candidate !== undefined) {
      throw new UsageError('kata grade: --solutions and --candidate cannot be combined');
    }
    let shard: Shard | undefined;
    if (values.shard !== undefined) {
      if (values.candidate === undefined) {
        throw new UsageError('kata grade: --shard splits a folder of candidates: give it with --candidate DIR');
      }
      try {
        shard = parseShard(values.shard);
      } catch (error) {
        if (error instanceof ShardError) throw new UsageError(`kata grade: ${error.message}`);
        throw error;
      }
    }
    const runner = values['classroom-env'];
    if (runner !== undefined && !CLASSROOM_RUNNER_ID.test(runner)) {
      throw new UsageError(
        `kata grade: --classroom-env takes the reporter's runner id (letters and digits, as in its runners input), received "${runner}"`,
      );
    }
    const engine = parseEngine('grade', values.db);
    const catalogue = listKatas(context.root);
    const known = catalogue.map((kata) => kata.slug);
    if (known.length === 0) throw new UsageError(`kata grade: no katas found in ${context.root}`);
    const named = values.kata
      ?.flatMap((entry) => entry.split(','))
      .map((slug) => slug.trim())
      .filter(Boolean);
    for (const slug of named ?? []) {
      if (!known.includes(slug))
        throw new UsageError(`kata grade: unknown kata "${slug}"; known katas: ${known.join(', ')}`);
    }
    const katas = katasForEngine(engine ?? 'sqlite', catalogue, named, context);
    let isolation = values.isolation ?? 'auto';
    if (!ISOLATIONS.includes(isolation as IsolationChoice)) {
      throw new UsageError(`kata grade: --isolation must be one of ${ISOLATIONS.join(', ')}, received "${isolation}"`);
    }
    try {
      const decided = isolationForEngine(engine ?? 'sqlite', isolation as IsolationChoice);
      if (decided.changed) {
        context.err(
          'kata grade: --db postgres: each run gets a process group of its own, not namespaces (the PostgreSQL server needs the loopback they lack)',
        );
      }
      isolation = decided.choice;
    } catch (error) {
      if (error instanceof IsolationEngineError) throw new UsageError(`kata grade: --db postgres: ${error.message}`);
      throw error;
    }

    let targets: GradeTarget[];
    if (values.solutions) targets = [{ name: 'solutions', kind: 'solutions', dir: context.root }];
    else if (values.candidate !== undefined) {
      try {
        targets = resolveCandidates(values.candidate, { allowEmpty: values.shard !== undefined });
      } catch (error) {
        if (error instanceof TargetError) throw new UsageError(`kata grade: ${error.message}`);
        throw error;
      }
    } else targets = [{ name: 'local', kind: 'local', dir: context.root }];
    if (shard !== undefined) targets = targets.filter((target) => inShard(target.name, shard));
    // A shard is always written as a batch, even of one candidate or none: the merge reads batches.
    const batch = targets.length > 1 || shard !== undefined;
    if (batch && (values.classroom !== undefined || runner !== undefined)) {
      throw new UsageError(
        "kata grade: --classroom and --classroom-env report one candidate's repository; grade a batch with --json, --junit or --csv",
      );
    }

    let assessment: Assessment | undefined;
    if (values.assessment !== undefined) {
      if (batch) {
        throw new UsageError(
          'kata grade: an assessment belongs to one candidate; grade a batch without --assessment, then each candidate with theirs',
        );
      }
      try {
        assessment = readAssessment(resolve(values.assessment));
      } catch (error) {
        if (error instanceof AssessmentError) throw new UsageError(`kata grade: ${error.message}`);
        throw error;
      }
      const target = targets[0]!;
      const names = [target.name, basename(target.dir)];
      if (assessment.candidate !== null && !names.includes(assessment.candidate)) {
        throw new UsageError(
          `kata grade: ${values.assessment} is the assessment of "${assessment.candidate}", but the candidate graded is "${target.name}" (${target.dir}); pass that candidate's assessment, or correct "candidate" in the file`,
        );
      }
    }

    const limits: RunLimits = {
      ...(values['memory-mb'] === undefined
        ? {}
        : { memoryLimitMb: positiveInteger('--memory-mb', values['memory-mb']) }),
    };
    const concurrency = positiveInteger('--concurrency', values.concurrency);
    if (shard !== undefined) {
      context.err(
        context.palette.dim(
          `Shard ${shard.index}/${shard.count}: ${targets.length} candidate${targets.length === 1 ? '' : 's'} (${targets.map((target) => target.name).join(', ') || 'none'})`,
        ),
      );
    }
    const {
      reports,
      batch: graded,
      prints,
    } = await grade(targets, {
      graderRoot: context.root,
      ...(katas === undefined ? {} : { katas }),
      ...(concurrency === undefined ? {} : { concurrency }),
      isolation: isolation as IsolationChoice,
      limits,
      ...(engine === undefined ? {} : { engine }),
      ...(assessment === undefined ? {} : { assessment }),
      ...(context.interactive
        ? {
            onProgress: (event) => {
              if (event.type !== 'end') return;
              const who = batch ? `${event.target}: ` : '';
              context.err(
                context.palette.dim(
                  `  graded ${who}${event.slug} ${event.score}/${event.max} (${event.status}, ${(event.durationMs / 1000).toFixed(1)} s)`,
                ),
              );
            },
          }
        : {}),
    });

    const batchReport: BatchReport =
      shard === undefined
        ? graded
        : {
            ...graded,
            shard: {
              index: shard.index,
              count: shard.count,
              katas: known.filter((slug) => katas === undefined || katas.includes(slug)),
              submissions: submissionCodes(prints),
            },
          };

    const written = {
      ...(values.json === undefined ? {} : { json: values.json }),
      ...(values.markdown === undefined ? {} : { markdown: values.markdown }),
      ...(values.csv === undefined ? {} : { csv: values.csv }),
    };
    const view = {
      width: widthOf(context),
      invocation: context.invocation ?? kataCommand(),
      written,
    };
    // With --classroom-env, stdout carries the variable alone (for >> "$GITHUB_ENV"); the scorecard goes to stderr.
    const show = runner === undefined ? context.out : context.err;
    show(batch ? renderBatch(batchReport, context.palette, view) : renderScorecard(reports[0]!, context.palette, view));
    let ok = true;
    if (values.json !== undefined) {
      const json = batch ? batchReport : reports[0]!;
      ok = write(values.json, `${JSON.stringify(json, null, 2)}\n`, 'JSON report', context) && ok;
    }
    const markdownOptions = { invocation: view.invocation };
    const markdown = batch
      ? renderBatchMarkdown(batchReport, markdownOptions)
      : renderMarkdown(reports[0]!, 1, markdownOptions);
    if (values.markdown !== undefined) ok = write(values.markdown, markdown, 'Markdown report', context) && ok;
    if (values.csv !== undefined) ok = write(values.csv, renderCsv(batchReport), 'CSV ranking', context) && ok;
    if (values.junit !== undefined) {
      const junit = batch ? renderBatchJunit(batchReport, markdownOptions) : renderJunit(reports[0]!, markdownOptions);
      ok = write(values.junit, junit, 'JUnit report', context) && ok;
    }
    if (!batch && (values.classroom !== undefined || runner !== undefined)) {
      const result = classroomResult(reports[0]!);
      if (values.classroom !== undefined) {
        ok = write(values.classroom, `${JSON.stringify(result, null, 2)}\n`, 'Classroom result', context) && ok;
      }
      if (runner !== undefined) {
        try {
          context.out(classroomEnvLine(runner, reports[0]!));
        } catch (error) {
          context.err(`kata grade: --classroom-env: ${(error as Error).message}`);
          ok = false;
        }
      }
    }
    const shorter = batch ? renderBatchMarkdown(batchReport, { ...markdownOptions, scorecards: false }) : markdown;
    ok = appendStepSummary('grade', markdown, shorter, context) && ok;
    return ok ? 0 : 1;
  },
};
