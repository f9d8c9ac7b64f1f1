import { AwsServiceError } from '../wire/aws-error';

/**
 * Reads request members as the AWS JSON 1.0 protocol carries them, with the validation messages
 * CloudWatch's front end produces ("1 validation error detected: Value … at 'alarmName' failed to
 * satisfy constraint: …", code `ValidationError`, HTTP 400).
 */
export function validationError(message: string): AwsServiceError {
  return new AwsServiceError('ValidationError', message, 400);
}

export function constraintError(value: unknown, member: string, constraint: string): AwsServiceError {
  const shown =
    value === undefined || value === null
      ? 'null'
      : `'${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}'`;
  return validationError(
    `1 validation error detected: Value ${shown} at '${camel(member)}' failed to satisfy constraint: ${constraint}`,
  );
}

export function invalidParameterValue(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValue', message, 400);
}

export function missingParameter(member: string): AwsServiceError {
  return new AwsServiceError('MissingParameter', `The parameter ${member} is required.`, 400);
}

export function invalidParameterCombination(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterCombination', message, 400);
}

function camel(member: string): string {
  return member
    .split('.')
    .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
    .join('.');
}

interface Bounds {
  required?: boolean;
  min?: number;
  max?: number;
}

export class Input {
  constructor(
    private readonly raw: Record<string, unknown>,
    /** Prefix for member paths in messages, e.g. `MetricData.member.1.` */
    private readonly path = '',
  ) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  string(name: string, bounds: Bounds = {}): string | undefined {
    const v = this.present(name, bounds.required);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.typeError(name, v, 'string');
    this.checkLength(name, v, bounds);
    return v;
  }

  requiredString(name: string, bounds: Omit<Bounds, 'required'> = {}): string {
    return this.string(name, { ...bounds, required: true }) as string;
  }

  enumValue<T extends string>(name: string, values: readonly T[], required = false): T | undefined {
    const v = this.string(name, { required });
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      throw constraintError(
        v,
        this.path + name,
        `Member must satisfy enum value set: [${values.join(', ')}]`,
      );
    }
    return v as T;
  }

  int(name: string, bounds: Bounds = {}): number | undefined {
    const v = this.present(name, bounds.required);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.typeError(name, v, 'integer');
    this.checkRange(name, v, bounds);
    return v;
  }

  /** Doubles: JSON numbers, or the strings `NaN`, `Infinity`, `-Infinity` the protocol uses for those. */
  double(name: string, required = false): number | undefined {
    const v = this.present(name, required);
    if (v === undefined) return undefined;
    return toDouble(v, () => this.typeError(name, v, 'double'));
  }

  bool(name: string): boolean | undefined {
    const v = this.present(name, false);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.typeError(name, v, 'boolean');
    return v;
  }

  /** Timestamps arrive as epoch seconds (numbers); ISO-8601 strings are accepted too. Returns epoch milliseconds. */
  timestamp(name: string, required = false): number | undefined {
    const v = this.present(name, required);
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return Math.round(v * 1000);
    if (typeof v === 'string') {
      const ms = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
      if (Number.isFinite(ms)) return Math.round(ms);
    }
    throw this.typeError(name, v, 'timestamp');
  }

  stringList(name: string, bounds: Bounds = {}): string[] | undefined {
    const v = this.list(name, bounds);
    if (v === undefined) return undefined;
    for (const item of v) if (typeof item !== 'string') throw this.typeError(name, item, 'list of strings');
    return v as string[];
  }

  doubleList(name: string): number[] | undefined {
    const v = this.list(name);
    return v?.map((item) => toDouble(item, () => this.typeError(name, item, 'list of doubles')));
  }

  /** A list of structures, each wrapped in an `Input` whose messages name `<name>.member.<n>.`. */
  structList(name: string, bounds: Bounds = {}): Input[] | undefined {
    const v = this.list(name, bounds);
    return v?.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item))
        throw this.typeError(name, item, 'structure');
      return new Input(item as Record<string, unknown>, `${this.path}${name}.member.${i + 1}.`);
    });
  }

  struct(name: string): Input | undefined {
    const v = this.present(name, false);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.typeError(name, v, 'structure');
    return new Input(v as Record<string, unknown>, `${this.path}${name}.`);
  }

  /** The member path as messages name it, e.g. `MetricData.member.1.Value`. */
  memberPath(name: string): string {
    return this.path + name;
  }

  private list(name: string, bounds: Bounds = {}): unknown[] | undefined {
    const v = this.present(name, bounds.required);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw this.typeError(name, v, 'list');
    this.checkLength(name, v, bounds);
    return v;
  }

  private present(name: string, required: boolean | undefined): unknown {
    const v = this.raw[name];
    if (v === undefined || v === null) {
      if (required) throw constraintError(undefined, this.path + name, 'Member must not be null');
      return undefined;
    }
    return v;
  }

  /** Length constraints of strings (characters) and lists (members), worded as AWS words them. */
  private checkLength(name: string, v: string | unknown[], bounds: Bounds): void {
    if (bounds.min !== undefined && v.length < bounds.min) {
      throw constraintError(
        v,
        this.path + name,
        `Member must have length greater than or equal to ${bounds.min}`,
      );
    }
    if (bounds.max !== undefined && v.length > bounds.max) {
      throw constraintError(
        v,
        this.path + name,
        `Member must have length less than or equal to ${bounds.max}`,
      );
    }
  }

  private checkRange(name: string, v: number, bounds: Bounds): void {
    if (bounds.min !== undefined && v < bounds.min) {
      throw constraintError(
        v,
        this.path + name,
        `Member must have value greater than or equal to ${bounds.min}`,
      );
    }
    if (bounds.max !== undefined && v > bounds.max) {
      throw constraintError(
        v,
        this.path + name,
        `Member must have value less than or equal to ${bounds.max}`,
      );
    }
  }

  private typeError(name: string, v: unknown, expected: string): AwsServiceError {
    return validationError(
      `Invalid value ${JSON.stringify(v)} for ${this.path + name}: expected a ${expected}.`,
    );
  }
}

function toDouble(v: unknown, fail: () => Error): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw fail();
}
