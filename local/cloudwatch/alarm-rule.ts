/**
 * Composite alarm rules: `ALARM(a) AND NOT (OK("b c") OR INSUFFICIENT_DATA(arn:…:alarm:d))`, `TRUE`, `FALSE`.
 * Precedence is NOT over AND over OR; parentheses group. Names may be double-quoted or bare
 * (a bare name runs to the closing parenthesis). Keywords are upper case, as in AWS's documentation.
 */
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export type RuleNode =
  | { kind: 'const'; value: boolean }
  | { kind: 'state'; state: AlarmStateValue; alarm: string }
  | { kind: 'not'; operand: RuleNode }
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode };

export class AlarmRuleSyntaxError extends Error {}

const FUNCTIONS: readonly string[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

export function parseAlarmRule(text: string): RuleNode {
  const parser = new Parser(text);
  const node = parser.parseOr();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail(`unexpected '${parser.rest(20)}'`);
  return node;
}

/** Every alarm reference in the rule, in order of appearance, without duplicates. */
export function referencedAlarms(node: RuleNode): string[] {
  const out = new Set<string>();
  const walk = (n: RuleNode): void => {
    if (n.kind === 'state') out.add(n.alarm);
    else if (n.kind === 'not') walk(n.operand);
    else if (n.kind === 'and' || n.kind === 'or') {
      walk(n.left);
      walk(n.right);
    }
  };
  walk(node);
  return [...out];
}

/** `stateOf` returns the current state of a referenced alarm. */
export function evaluateAlarmRule(
  node: RuleNode,
  stateOf: (alarm: string) => AlarmStateValue | undefined,
): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'not':
      return !evaluateAlarmRule(node.operand, stateOf);
    case 'and':
      return evaluateAlarmRule(node.left, stateOf) && evaluateAlarmRule(node.right, stateOf);
    case 'or':
      return evaluateAlarmRule(node.left, stateOf) || evaluateAlarmRule(node.right, stateOf);
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseOr(): RuleNode {
    let left = this.parseAnd();
    while (this.acceptWord('OR')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): RuleNode {
    let left = this.parseUnary();
    while (this.acceptWord('AND')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): RuleNode {
    if (this.acceptWord('NOT')) return { kind: 'not', operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): RuleNode {
    this.skipSpace();
    if (this.atEnd()) this.fail('unexpected end of rule');
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.expect(')');
      return inner;
    }
    const word = this.readWord();
    if (word === 'TRUE' || word === 'FALSE') return { kind: 'const', value: word === 'TRUE' };
    if (FUNCTIONS.includes(word)) {
      this.expect('(');
      const alarm = this.readAlarmName();
      this.expect(')');
      return { kind: 'state', state: word as AlarmStateValue, alarm };
    }
    return this.fail(word ? `unknown function or keyword '${word}'` : `unexpected '${this.rest(20)}'`);
  }

  private readAlarmName(): string {
    this.skipSpace();
    let name: string;
    if (this.text[this.pos] === '"') {
      const close = this.text.indexOf('"', this.pos + 1);
      if (close < 0) this.fail('unterminated quoted alarm name');
      name = this.text.slice(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      const close = this.text.indexOf(')', this.pos);
      if (close < 0) this.fail("missing ')' after alarm name");
      name = this.text.slice(this.pos, close).trim();
      this.pos = close;
    }
    if (name.length === 0) this.fail('empty alarm name');
    return name;
  }

  private acceptWord(word: string): boolean {
    this.skipSpace();
    const end = this.pos + word.length;
    if (this.text.slice(this.pos, end) !== word) return false;
    // A whole word only: `ORDERS` is not `OR` followed by `DERS`.
    if (end < this.text.length && /[A-Za-z0-9_]/.test(this.text[end] ?? '')) return false;
    this.pos = end;
    return true;
  }

  private readWord(): string {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    const word = match?.[0] ?? '';
    this.pos += word.length;
    return word;
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}' at position ${this.pos + 1}`);
    this.pos++;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  rest(n: number): string {
    return this.text.slice(this.pos, this.pos + n);
  }

  fail(message: string): never {
    throw new AlarmRuleSyntaxError(message);
  }
}
