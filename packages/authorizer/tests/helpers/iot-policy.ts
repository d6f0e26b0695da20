import type { PolicyDocument } from 'aws-lambda';

/**
 * A minimal IoT policy evaluator for assertions: Allow statements only (the authorizer emits
 * no Deny), `*` = any characters across levels, `?` = one character, everything else literal
 * (so `+` and `#` in a resource are plain characters, as on IoT Core).
 */
export function allows(
  documents: readonly PolicyDocument[],
  action: string,
  resource: string,
): boolean {
  return documents.some((document) =>
    document.Statement.some((statement) => {
      const s = statement as {
        Effect: string;
        Action: string | string[];
        Resource: string | string[];
      };
      const actions = [s.Action].flat();
      const resources = [s.Resource].flat();
      return (
        s.Effect === 'Allow' &&
        actions.includes(action) &&
        resources.some((pattern) => wildcard(pattern).test(resource))
      );
    }),
  );
}

function wildcard(pattern: string): RegExp {
  const source = [...pattern]
    .map((char) =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, 's');
}

/** Every (action, resource) pair the documents grant. */
export function grantedPairs(documents: readonly PolicyDocument[]): string[] {
  return documents.flatMap((document) =>
    document.Statement.flatMap((statement) => {
      const s = statement as { Action: string; Resource: string[] };
      return s.Resource.map((resource) => `${s.Action} ${resource}`);
    }),
  );
}
