/**
 * What EventBridge sends a rule's target for an event: the constant `Input`,
 * the part of the event at `InputPath`, the `InputTransformer`'s filled-in
 * template, or else the whole event. Pure; returns the text sent.
 */

/** A target as `AWS::Events::Rule` `Targets` holds it, references resolved. */
export interface RuleTargetInput {
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: {
    readonly InputPathsMap?: Readonly<Record<string, string>>;
    readonly InputTemplate: string;
  };
}

/** The rule, for the predefined variables `<aws.events.rule-arn>` and `<aws.events.rule-name>`. */
export interface RuleContext {
  readonly ruleArn: string;
  readonly ruleName: string;
  /** ISO 8601 time EventBridge received the event. */
  readonly ingestionTime: string;
}

export function targetInput(target: RuleTargetInput, event: unknown, rule: RuleContext): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(selectPath(event, target.InputPath) ?? null);
  if (target.InputTransformer !== undefined) return transform(target.InputTransformer, event, rule);
  return JSON.stringify(event);
}

/**
 * Fills `<name>` placeholders. Outside a JSON string a value goes in as JSON
 * (a string with its quotes); inside one, a string goes in as its bare text,
 * unescaped, as AWS does. A path the event lacks gives `null`, or nothing
 * inside a string (assumed: AWS documents only that the variable "isn't created").
 */
function transform(
  transformer: NonNullable<RuleTargetInput['InputTransformer']>,
  event: unknown,
  rule: RuleContext,
): string {
  const values = new Map<string, unknown>([
    ['aws.events.rule-arn', rule.ruleArn],
    ['aws.events.rule-name', rule.ruleName],
    ['aws.events.event.ingestion-time', rule.ingestionTime],
    ['aws.events.event.json', event],
  ]);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    if (values.has(name)) throw new Error(`InputPathsMap may not redefine the predefined variable ${name}`);
    values.set(name, selectPath(event, path));
  }
  const template = transformer.InputTemplate;
  let output = '';
  let inString = false;
  for (let index = 0; index < template.length; index++) {
    const char = template[index]!;
    if (char === '\\' && inString) {
      output += template.slice(index, index + 2);
      index++;
      continue;
    }
    if (char === '"') inString = !inString;
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(index)) : null;
    if (placeholder && values.has(placeholder[1]!)) {
      output += render(values.get(placeholder[1]!), inString);
      index += placeholder[0].length - 1;
      continue;
    }
    output += char;
  }
  return output;
}

function render(value: unknown, inString: boolean): string {
  if (!inString) return JSON.stringify(value ?? null);
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The JSONPath subset EventBridge accepts: `$`, `.name` (dashes allowed) and `[index]`. */
export function selectPath(event: unknown, path: string): unknown {
  if (!/^\$(\.[^.[\]]+|\[\d+\])*$/.test(path))
    throw new Error(`Unsupported JSONPath in an input transformer: ${path}`);
  const steps = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map(
    (step) => step[1] ?? Number(step[2]),
  );
  let node: unknown = event;
  for (const step of steps) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}
