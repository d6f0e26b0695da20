import { randomUUID } from 'node:crypto';
import { EmulatorError } from '../errors.js';
import { checkTopicFilter } from '../iot-core/topics.js';

/**
 * The subset of AWS IoT SQL (version 2016-03-23) the rules need, parsed once and evaluated per
 * message (aws-fidelity §1): `SELECT` with `*`, dotted fields, literals, `AS` and the functions
 * `topic()`, `topic(n)`, `clientid()`, `timestamp()`, `newuuid()`, `principal()` and
 * `encode(*, 'base64')`; `FROM '<topic filter>'`; `WHERE` with comparisons, `AND`, `OR`, `NOT`
 * and parentheses. Anything else is a parse error that says so.
 */

export class RuleSqlError extends EmulatorError<'rule_sql_invalid'> {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super('rule_sql_invalid', `${message} (at character ${position + 1})`);
  }
}

/** What IoT SQL calls Undefined: a missing value, omitted from the output. */
const UNDEFINED = undefined;
type Value = unknown;

type CompareOp = '=' | '<>' | '<' | '>' | '<=' | '>=';

export type Expr =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'field'; readonly path: readonly string[] }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly args: readonly Argument[] }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly operand: Expr };

type Argument = Expr | { readonly kind: 'payload' };

export type SelectItem =
  | { readonly kind: 'all' }
  | { readonly kind: 'value'; readonly expr: Expr; readonly name: string };

export interface RuleStatement {
  readonly select: readonly SelectItem[];
  readonly from: string;
  readonly where: Expr | undefined;
  /**
   * Whether evaluation reads the payload as JSON: `SELECT *` or a field anywhere. Decided once
   * here, so a rule that only passes the payload on (`encode(*, 'base64')`) never parses it.
   */
  readonly needsDocument: boolean;
}

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { readonly type: 'word'; readonly text: string; readonly at: number }
  | { readonly type: 'number'; readonly value: number; readonly at: number }
  | { readonly type: 'string'; readonly value: string; readonly at: number }
  | { readonly type: 'symbol'; readonly text: string; readonly at: number }
  | { readonly type: 'end'; readonly at: number };

const SYMBOLS = ['<>', '!=', '<=', '>=', '=', '<', '>', '*', ',', '.', '(', ')'];

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    const rest = sql.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      tokens.push({ type: 'word', text: word[0], at });
      at += word[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), at });
      at += number[0].length;
      continue;
    }
    if (rest.startsWith("'")) {
      // '' inside a string is one quote.
      const string = /^'((?:[^']|'')*)'/.exec(rest);
      if (!string) throw new RuleSqlError('unterminated string', at);
      tokens.push({ type: 'string', value: (string[1] as string).replaceAll("''", "'"), at });
      at += string[0].length;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => rest.startsWith(candidate));
    if (!symbol) throw new RuleSqlError(`unexpected character "${rest[0]}"`, at);
    tokens.push({ type: 'symbol', text: symbol === '!=' ? '<>' : symbol, at });
    at += symbol.length;
  }
  tokens.push({ type: 'end', at });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Functions

export interface RuleInput {
  readonly topic: string;
  readonly payload: Buffer;
  /** The publisher's MQTT client id; undefined for Data Plane (HTTP) publishes. */
  readonly clientId: string | undefined;
  readonly principal: string | undefined;
  /** When the rules engine saw the message, in epoch milliseconds. */
  readonly timestamp: number;
}

interface FunctionSpec {
  readonly arity: readonly number[];
  readonly acceptsPayload?: boolean;
  evaluate(args: readonly Value[], input: RuleInput): Value;
}

const FUNCTIONS = {
  topic: {
    arity: [0, 1],
    evaluate([index], input) {
      if (index === UNDEFINED) return input.topic;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 1) return UNDEFINED;
      return input.topic.split('/')[index - 1];
    },
  },
  // HTTP publishes have no client id: IoT SQL says `n/a`.
  clientid: { arity: [0], evaluate: (_, input) => input.clientId ?? 'n/a' },
  timestamp: { arity: [0], evaluate: (_, input) => input.timestamp },
  newuuid: { arity: [0], evaluate: () => randomUUID() },
  principal: { arity: [0], evaluate: (_, input) => input.principal },
  encode: {
    arity: [2],
    acceptsPayload: true,
    evaluate([value, scheme], input) {
      if (typeof scheme !== 'string' || scheme.toLowerCase() !== 'base64') return UNDEFINED;
      if (value === PAYLOAD) return input.payload.toString('base64');
      if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
      return UNDEFINED;
    },
  },
} satisfies Record<string, FunctionSpec>;

type FunctionName = keyof typeof FUNCTIONS;

const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(FUNCTIONS, name);

/** Stands for `*` given as a function argument: the raw payload bytes. */
const PAYLOAD = Symbol('payload');

// ---------------------------------------------------------------------------------------------
// Parser

const KEYWORDS = new Set(['select', 'from', 'where', 'as', 'and', 'or', 'not', 'true', 'false']);

class Parser {
  #index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  get #current(): Token {
    return this.tokens[this.#index] as Token;
  }

  #next(): Token {
    const token = this.#current;
    if (token.type !== 'end') this.#index++;
    return token;
  }

  #isKeyword(keyword: string): boolean {
    const token = this.#current;
    return token.type === 'word' && token.text.toLowerCase() === keyword;
  }

  #isSymbol(symbol: string): boolean {
    const token = this.#current;
    return token.type === 'symbol' && token.text === symbol;
  }

  #fail(expected: string): never {
    const token = this.#current;
    const found =
      token.type === 'end'
        ? 'the end'
        : token.type === 'word' || token.type === 'symbol'
          ? `"${token.text}"`
          : token.type === 'string'
            ? `'${token.value}'`
            : String(token.value);
    throw new RuleSqlError(`expected ${expected} but found ${found}`, token.at);
  }

  #expectKeyword(keyword: string): void {
    if (!this.#isKeyword(keyword)) this.#fail(keyword.toUpperCase());
    this.#next();
  }

  #expectSymbol(symbol: string): void {
    if (!this.#isSymbol(symbol)) this.#fail(`"${symbol}"`);
    this.#next();
  }

  statement(): RuleStatement {
    this.#expectKeyword('select');
    const select = [this.#selectItem()];
    while (this.#isSymbol(',')) {
      this.#next();
      select.push(this.#selectItem());
    }
    this.#expectKeyword('from');
    const fromToken = this.#current;
    if (fromToken.type !== 'string') this.#fail('a quoted topic filter after FROM');
    this.#next();
    const filter = checkTopicFilter(fromToken.value);
    if (!filter.ok) throw new RuleSqlError(`FROM: ${filter.message}`, fromToken.at);
    let where: Expr | undefined;
    if (this.#isKeyword('where')) {
      this.#next();
      where = this.#or();
    }
    if (this.#current.type !== 'end') this.#fail('the end of the statement');
    const needsDocument =
      select.some((item) => item.kind === 'all' || readsField(item.expr)) ||
      (where !== undefined && readsField(where));
    return { select, from: filter.value, where, needsDocument };
  }

  #selectItem(): SelectItem {
    if (this.#isSymbol('*')) {
      this.#next();
      return { kind: 'all' };
    }
    const start = this.#current;
    const expr = this.#or();
    if (this.#isKeyword('as')) {
      this.#next();
      return { kind: 'value', expr, name: this.#name('a name after AS') };
    }
    return { kind: 'value', expr, name: defaultName(expr, start) };
  }

  #or(): Expr {
    return this.#leftAssociative('or', () => this.#and());
  }

  #and(): Expr {
    return this.#leftAssociative('and', () => this.#not());
  }

  /** `operand (keyword operand)*`, grouped to the left: `a OR b OR c` is `(a OR b) OR c`. */
  #leftAssociative(keyword: 'or' | 'and', operand: () => Expr): Expr {
    let left = operand();
    while (this.#isKeyword(keyword)) {
      this.#next();
      left = { kind: keyword, left, right: operand() };
    }
    return left;
  }

  #not(): Expr {
    if (this.#isKeyword('not')) {
      this.#next();
      return { kind: 'not', operand: this.#not() };
    }
    return this.#comparison();
  }

  #comparison(): Expr {
    const left = this.#primary();
    const token = this.#current;
    if (token.type === 'symbol' && ['=', '<>', '<', '>', '<=', '>='].includes(token.text)) {
      this.#next();
      return { kind: 'compare', op: token.text as CompareOp, left, right: this.#primary() };
    }
    return left;
  }

  #primary(): Expr {
    const token = this.#current;
    if (token.type === 'number' || token.type === 'string') {
      this.#next();
      return { kind: 'literal', value: token.value };
    }
    if (token.type === 'symbol' && token.text === '(') {
      this.#next();
      const inner = this.#or();
      this.#expectSymbol(')');
      return inner;
    }
    if (token.type === 'word' && !KEYWORDS.has(token.text.toLowerCase())) {
      this.#next();
      if (this.#isSymbol('(')) return this.#call(token.text, token.at);
      return { kind: 'field', path: [token.text, ...this.#fieldPath()] };
    }
    if (token.type === 'word' && /^(true|false)$/i.test(token.text)) {
      this.#next();
      return { kind: 'literal', value: token.text.toLowerCase() === 'true' };
    }
    return this.#fail('a value, a field or a function');
  }

  /** The `.b.c` after a field name. */
  #fieldPath(): string[] {
    const path: string[] = [];
    while (this.#isSymbol('.')) {
      this.#next();
      path.push(this.#name('a field name after "."'));
    }
    return path;
  }

  /** A word that is not a keyword (an alias, a part of a field path); else fails expecting `what`. */
  #name(what: string): string {
    const token = this.#current;
    if (token.type !== 'word' || KEYWORDS.has(token.text.toLowerCase())) this.#fail(what);
    this.#next();
    return token.text;
  }

  #call(name: string, at: number): Expr {
    const lower = name.toLowerCase();
    if (!isFunctionName(lower)) {
      throw new RuleSqlError(`function ${name}() is not supported by the local rules engine`, at);
    }
    const spec: FunctionSpec = FUNCTIONS[lower];
    this.#expectSymbol('(');
    const args: Argument[] = [];
    if (!this.#isSymbol(')')) {
      do {
        if (args.length > 0) this.#next();
        if (this.#isSymbol('*') && spec.acceptsPayload && args.length === 0) {
          this.#next();
          args.push({ kind: 'payload' });
        } else {
          args.push(this.#or());
        }
      } while (this.#isSymbol(','));
    }
    this.#expectSymbol(')');
    if (!spec.arity.includes(args.length)) {
      const counts = spec.arity.join(' or ');
      throw new RuleSqlError(`${lower}() takes ${counts} arguments, not ${args.length}`, at);
    }
    return { kind: 'call', name: lower, args };
  }
}

/** True when evaluating `expr` reads a field of the payload document. */
function readsField(expr: Expr): boolean {
  switch (expr.kind) {
    case 'literal':
      return false;
    case 'field':
      return true;
    case 'call':
      return expr.args.some((arg) => arg.kind !== 'payload' && readsField(arg));
    case 'compare':
    case 'and':
    case 'or':
      return readsField(expr.left) || readsField(expr.right);
    case 'not':
      return readsField(expr.operand);
  }
}

function defaultName(expr: Expr, start: Token): string {
  if (expr.kind === 'field') return expr.path[expr.path.length - 1] as string;
  if (expr.kind === 'call') return expr.name;
  return `_${start.at}`;
}

/** Parses one rule statement; throws a RuleSqlError that names the problem and its position. */
export function parseRuleSql(sql: string): RuleStatement {
  return new Parser(tokenize(sql)).statement();
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export type RuleEvaluation =
  | { readonly matched: false }
  | { readonly matched: true; readonly output: Record<string, unknown> }
  | { readonly matched: false; readonly error: string };

/**
 * The payload parsed as JSON once per message, for statements that read it; `NOT_JSON` when it
 * is not JSON, or when the statement reads no field (then nothing looks at it).
 */
const NOT_JSON = Symbol('not JSON');

function parsePayload(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}

function readField(document: unknown, path: readonly string[]): Value {
  let value = document;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return UNDEFINED;
    if (!Object.hasOwn(value, key)) return UNDEFINED;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function compare(op: CompareOp, left: Value, right: Value): Value {
  const comparable =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string') ||
    (typeof left === 'boolean' && typeof right === 'boolean');
  if (!comparable) {
    if (op === '=' && left === null && right === null) return true;
    return UNDEFINED; // different or non-scalar types compare to Undefined
  }
  const l = left as number | string | boolean;
  const r = right as number | string | boolean;
  switch (op) {
    case '=':
      return l === r;
    case '<>':
      return l !== r;
    case '<':
      return l < r;
    case '>':
      return l > r;
    case '<=':
      return l <= r;
    case '>=':
      return l >= r;
  }
}

function evaluate(expr: Expr, document: unknown, input: RuleInput): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'field':
      return document === NOT_JSON ? UNDEFINED : readField(document, expr.path);
    case 'call': {
      const args = expr.args.map((arg) =>
        arg.kind === 'payload' ? PAYLOAD : evaluate(arg, document, input),
      );
      return (FUNCTIONS[expr.name] as FunctionSpec).evaluate(args, input);
    }
    case 'compare':
      return compare(
        expr.op,
        evaluate(expr.left, document, input),
        evaluate(expr.right, document, input),
      );
    case 'and': {
      const left = evaluate(expr.left, document, input);
      const right = evaluate(expr.right, document, input);
      if (left === false || right === false) return false;
      return left === true && right === true ? true : UNDEFINED;
    }
    case 'or': {
      const left = evaluate(expr.left, document, input);
      const right = evaluate(expr.right, document, input);
      if (left === true || right === true) return true;
      return left === false && right === false ? false : UNDEFINED;
    }
    case 'not': {
      const operand = evaluate(expr.operand, document, input);
      return typeof operand === 'boolean' ? !operand : UNDEFINED;
    }
  }
}

/**
 * Runs a statement against one message whose topic already matched FROM. WHERE runs first and
 * sees only the payload and functions, never the SELECT aliases; Undefined values are left out
 * of the output. `SELECT *` on a payload that is not a JSON object is a rule error, as IoT
 * cannot read it: the action is not run.
 */
export function evaluateRule(statement: RuleStatement, input: RuleInput): RuleEvaluation {
  const document = statement.needsDocument ? parsePayload(input.payload) : NOT_JSON;
  if (statement.where !== undefined && evaluate(statement.where, document, input) !== true) {
    return { matched: false };
  }
  // No prototype: a payload key or alias named `__proto__` stays an ordinary field.
  const output: Record<string, unknown> = Object.create(null);
  for (const item of statement.select) {
    if (item.kind === 'all') {
      if (typeof document !== 'object' || document === null || Array.isArray(document)) {
        return { matched: false, error: 'SELECT * needs a payload that is a JSON object' };
      }
      Object.assign(output, document);
      continue;
    }
    const value = evaluate(item.expr, document, input);
    if (value !== UNDEFINED) output[item.name] = value;
  }
  return { matched: true, output };
}
