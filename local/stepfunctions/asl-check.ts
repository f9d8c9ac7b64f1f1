/**
 * Structural checks of an Amazon States Language definition, with AWS's error codes.
 * (The library's own validator compiles its JSON schemas on every call, ~0.5 s each,
 * too slow for a service that validates on every Create/UpdateStateMachine.)
 * Returns the first problem found, or undefined.
 */
export function findDefinitionProblem(definition: Record<string, unknown>): string | undefined {
  return checkScope(definition, '');
}

const TYPES = new Set(['Task', 'Parallel', 'Map', 'Pass', 'Wait', 'Choice', 'Succeed', 'Fail']);
const WAIT_FIELDS = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkScope(scope: Json, path: string): string | undefined {
  const missing = ['States', 'StartAt'].filter((field) => scope[field] === undefined);
  if (missing.length > 0)
    return `SCHEMA_VALIDATION_FAILED: These fields are required: [${missing.join(', ')}] at ${path || '/'}`;
  const states = scope.States;
  if (!isObject(states) || Object.keys(states).length === 0) {
    return `SCHEMA_VALIDATION_FAILED: States must be a non-empty object at ${path}/States`;
  }
  if (typeof scope.StartAt !== 'string' || !(scope.StartAt in states)) {
    return `MISSING_TRANSITION_TARGET: Missing 'StartAt' target: ${String(scope.StartAt)} at ${path}/StartAt`;
  }
  let terminal = false;
  for (const [name, value] of Object.entries(states)) {
    const at = `${path}/States/${name}`;
    if (name.length > 80) return `SCHEMA_VALIDATION_FAILED: State name is longer than 80 characters at ${at}`;
    if (!isObject(value) || !TYPES.has(value.Type as string)) {
      return `SCHEMA_VALIDATION_FAILED: The value for the field 'Type' must be one of [${[...TYPES].join(', ')}] at ${at}`;
    }
    const problem = checkState(value, at, states);
    if (problem) return problem;
    if (value.End === true || value.Type === 'Succeed' || value.Type === 'Fail') terminal = true;
  }
  return terminal ? undefined : `MISSING_TERMINAL_STATE: No terminal state at ${path || '/'}`;
}

function checkState(state: Json, at: string, states: Json): string | undefined {
  const target = (field: string, next: unknown) =>
    typeof next === 'string' && next in states
      ? undefined
      : `MISSING_TRANSITION_TARGET: Missing '${field}' target: ${String(next)} at ${at}`;
  switch (state.Type) {
    case 'Choice': {
      if (!Array.isArray(state.Choices) || state.Choices.length === 0) {
        return `SCHEMA_VALIDATION_FAILED: Choices must be a non-empty array at ${at}`;
      }
      for (const rule of state.Choices as Json[]) {
        const problem = target('Next', rule?.Next);
        if (problem) return problem;
      }
      return state.Default === undefined ? undefined : target('Default', state.Default);
    }
    case 'Succeed':
    case 'Fail':
      return undefined;
    default: {
      if ((state.End === true) === (state.Next !== undefined)) {
        return `SCHEMA_VALIDATION_FAILED: Exactly one of 'Next' or 'End' is required at ${at}`;
      }
      if (state.Next !== undefined) {
        const problem = target('Next', state.Next);
        if (problem) return problem;
      }
      for (const catcher of Array.isArray(state.Catch) ? (state.Catch as Json[]) : []) {
        const problem = target('Next', catcher?.Next);
        if (problem) return problem;
      }
      return checkByType(state, at);
    }
  }
}

function checkByType(state: Json, at: string): string | undefined {
  switch (state.Type) {
    case 'Task':
      return typeof state.Resource === 'string'
        ? undefined
        : `SCHEMA_VALIDATION_FAILED: These fields are required: [Resource] at ${at}`;
    case 'Wait':
      return WAIT_FIELDS.filter((f) => state[f] !== undefined).length === 1
        ? undefined
        : `SCHEMA_VALIDATION_FAILED: Exactly one of [${WAIT_FIELDS.join(', ')}] is required at ${at}`;
    case 'Parallel': {
      if (!Array.isArray(state.Branches) || state.Branches.length === 0) {
        return `SCHEMA_VALIDATION_FAILED: Branches must be a non-empty array at ${at}`;
      }
      for (const [i, branch] of (state.Branches as unknown[]).entries()) {
        const problem = isObject(branch)
          ? checkScope(branch, `${at}/Branches[${i}]`)
          : `SCHEMA_VALIDATION_FAILED: Branch must be an object at ${at}`;
        if (problem) return problem;
      }
      return undefined;
    }
    case 'Map': {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (!isObject(processor))
        return `SCHEMA_VALIDATION_FAILED: These fields are required: [ItemProcessor] at ${at}`;
      return checkScope(processor, `${at}/ItemProcessor`);
    }
    default:
      return undefined;
  }
}
