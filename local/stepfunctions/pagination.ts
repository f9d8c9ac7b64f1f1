import { constraint, invalidToken } from './errors';

export interface Page<T> {
  readonly items: T[];
  readonly nextToken: string | undefined;
}

/**
 * One page of `items`, which must be sorted by the numeric `keyOf` in the listed
 * direction. The token is a cursor (the last key returned) bound to `scope`, so
 * deletions between pages neither skip nor repeat items, and a token from one
 * listing is refused by another as AWS does (`InvalidToken`).
 */
export function paginate<T>(
  items: Pick<readonly T[], 'length' | 'slice'> & Partial<Pick<readonly T[], 'findIndex'>>,
  options: {
    readonly keyOf: (item: T) => number;
    readonly descending: boolean;
    readonly scope: string;
    readonly maxResults: number;
    readonly nextToken: string | undefined;
    readonly maxTokenLength?: number;
    /** Where the page after key `after` starts, for items whose keys give their positions (no scan). */
    readonly indexAfter?: (after: number) => number;
  },
): Page<T> {
  const { keyOf, descending, scope, maxResults, nextToken } = options;
  let start = 0;
  if (nextToken !== undefined) {
    const maxTokenLength = options.maxTokenLength ?? 1024;
    if (nextToken.length > maxTokenLength) {
      throw constraint(
        nextToken,
        'nextToken',
        `Member must have length less than or equal to ${maxTokenLength}`,
      );
    }
    const after = decode(nextToken, scope);
    if (options.indexAfter) start = options.indexAfter(after);
    else if (items.findIndex) {
      start = items.findIndex((item) => (descending ? keyOf(item) < after : keyOf(item) > after));
      if (start < 0) start = items.length;
    } else throw new Error('paginate needs findIndex or indexAfter to resume from a token');
  }
  const page = items.slice(start, start + maxResults);
  const more = start + maxResults < items.length;
  return { items: page, nextToken: more ? encode(scope, keyOf(page[page.length - 1]!)) : undefined };
}

function encode(scope: string, key: number): string {
  return Buffer.from(JSON.stringify({ s: scope, k: key })).toString('base64url');
}

function decode(token: string, scope: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      s?: unknown;
      k?: unknown;
    };
    if (parsed.s === scope && typeof parsed.k === 'number') return parsed.k;
  } catch {
    // fall through
  }
  throw invalidToken();
}
