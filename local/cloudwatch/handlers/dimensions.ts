import { Input, invalidParameterValue } from '../input';

/** Reads a `Dimensions` list (`[{Name, Value}]`, at most 30) into a record; names must be unique. */
export function readDimensions(input: Input, member = 'Dimensions'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of input.structList(member, { max: 30 }) ?? []) {
    const name = d.requiredString('Name', { min: 1, max: 255 });
    const value = d.requiredString('Value', { min: 1, max: 1024 });
    if (name in out) {
      throw invalidParameterValue(
        `The dimension ${name} is specified more than once in ${input.memberPath(member)}.`,
      );
    }
    out[name] = value;
  }
  return out;
}
