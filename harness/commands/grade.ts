/**
 * `kata grade`: scores katas against the evaluation checklist. Grades the local katas/, a
 * candidate's checkout, a folder of checkouts (a batch, ranked), or the reference solutions.
 * Exit code 0 whenever grading ran, whatever the score; non-zero only when the grader could not.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { listKatas } from '../catalog/catalog.ts';
import { assessmentTemplate, AssessmentError, readAssessment, type Assessment } from '../grader/assessment.ts';
import { grade, type GradeTarget, type RunLimits } from '../grader/grade.ts';
import { renderCsv } from '../grader/render/csv.ts';
import { renderBatchMarkdown, renderMarkdown } from '../grader/render/markdown.ts';
import { renderBatch, renderScorecard } from '../grader/render/terminal.ts';
import type { IsolationChoice } from '../runner/sandbox/isolation.ts';
import { resolveCandidates, TargetError } from '../grader/targets.ts';
import { kataCommand } from '../runner/replay.ts';
import { parseCommandArgs, UsageError, widthOf, type Command, type CommandContext } from './command.ts';

const USAGE = [
  'kata grade [--solutions | --candidate DIR...] [--kata SLUG,...] [--json FILE] [--markdown FILE] [--csv FILE]',
  '           [--assessment FILE] [--concurrency N] [--memory-mb N] [--isolation auto|namespaces|process-group]',
  'kata grade --assessment-template [--candidate DIR] [--assessment FILE]',
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
  try {
    writeFileSync(file, content);
    context.err(context.palette.dim(`Wrote the ${what} to ${file}`));
    return true;
  } catch (error) {
    context.err(
      `kata grade: could not write the ${what} to ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
    return false;
  }
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
    const known = listKatas(context.root).map((kata) => kata.slug);
    if (known.length === 0) throw new UsageError(`kata grade: no katas found in ${context.root}`);
    const katas = values.kata
      ?.flatMap((entry) => entry.split(','))
      .map((slug) => slug.trim())
      .filter(Boolean);
    for (const slug of katas ?? []) {
      if (!known.includes(slug))
        throw new UsageError(`kata grade: unknown kata "${slug}"; known katas: ${known.join(', ')}`);
    }
    const isolation = values.isolation ?? 'auto';
    if (!ISOLATIONS.includes(isolation as IsolationChoice)) {
      throw new UsageError(`kata grade: --isolation must be one of ${ISOLATIONS.join(', ')}, received "${isolation}"`);
    }

    let targets: GradeTarget[];
    if (values.solutions) targets = [{ name: 'solutions', kind: 'solutions', dir: context.root }];
    else if (values.candidate !== undefined) {
      try {
        targets = resolveCandidates(values.candidate);
      } catch (error) {
        if (error instanceof TargetError) throw new UsageError(`kata grade: ${error.message}`);
        throw error;
      }
    } else targets = [{ name: 'local', kind: 'local', dir: context.root }];
    const batch = targets.length > 1;

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
    const { reports, batch: batchReport } = await grade(targets, {
      graderRoot: context.root,
      ...(katas === undefined ? {} : { katas }),
      ...(concurrency === undefined ? {} : { concurrency }),
      isolation: isolation as IsolationChoice,
      limits,
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
    context.out(
      batch ? renderBatch(batchReport, context.palette, view) : renderScorecard(reports[0]!, context.palette, view),
    );
    let ok = true;
    if (values.json !== undefined) {
      const json = batch ? batchReport : reports[0]!;
      ok = write(values.json, `${JSON.stringify(json, null, 2)}\n`, 'JSON report', context) && ok;
    }
    if (values.markdown !== undefined) {
      const markdown = batch
        ? renderBatchMarkdown(batchReport, { invocation: view.invocation })
        : renderMarkdown(reports[0]!, 1, { invocation: view.invocation });
      ok = write(values.markdown, markdown, 'Markdown report', context) && ok;
    }
    if (values.csv !== undefined) ok = write(values.csv, renderCsv(batchReport), 'CSV ranking', context) && ok;
    return ok ? 0 : 1;
  },
};
