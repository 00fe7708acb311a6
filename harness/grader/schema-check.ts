/**
 * A small JSON Schema validator, enough for report.schema.json (type, const, enum, properties,
 * required, additionalProperties, items, minItems, maxItems, minimum, maximum, oneOf, allOf and
 * local $ref), so the tests can hold every report the grader writes to its published schema
 * without a dependency.
 */

export interface Schema {
  readonly $ref?: string;
  readonly $defs?: Readonly<Record<string, Schema>>;
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: Schema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly oneOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  return typeOf(value) === type;
}

/** Every way `value` breaks `schema`, as "path: problem"; empty when it conforms. */
export function validate(root: Schema, value: unknown, schema: Schema = root, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    const target = root.$defs?.[name];
    if (target === undefined) return [`${path}: unknown $ref ${schema.$ref}`];
    return validate(root, value, target, path);
  }
  const problems: string[] = [];
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!types.some((type) => hasType(value, type))) {
      return [`${path}: expected ${types.join(' or ')}, found ${typeOf(value)}`];
    }
  }
  if ('const' in schema && value !== schema.const) problems.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path}: too few items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${path}: too many items`);
    if (schema.items !== undefined) {
      value.forEach((entry, index) => problems.push(...validate(root, entry, schema.items!, `${path}[${index}]`)));
    }
  }
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${path}: missing "${key}"`);
    for (const [key, entry] of Object.entries(record)) {
      const property = schema.properties?.[key];
      if (property !== undefined) problems.push(...validate(root, entry, property, `${path}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected "${key}"`);
    }
  }
  for (const part of schema.allOf ?? []) problems.push(...validate(root, value, part, path));
  if (schema.oneOf !== undefined) {
    const matches = schema.oneOf.map((part) => validate(root, value, part, path));
    const passing = matches.filter((result) => result.length === 0).length;
    if (passing !== 1) {
      problems.push(
        passing === 0
          ? `${path}: matches none of oneOf (${matches.map((result) => result[0]).join(' | ')})`
          : `${path}: matches ${passing} of oneOf`,
      );
    }
  }
  return problems;
}
