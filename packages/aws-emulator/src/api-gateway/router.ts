/**
 * API Gateway's route matching (aws-fidelity §7): route keys compiled with API Gateway's
 * precedence, path parameters URL-decoded.
 */

export interface RouteDefinition {
  /** `GET /channels/{channel}/messages`, `ANY /{proxy+}` or `$default`. */
  readonly routeKey: string;
}

export interface RouteMatch {
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>> | undefined;
}

interface CompiledRoute {
  readonly routeKey: string;
  readonly method: string;
  readonly segments: readonly string[];
  readonly greedy: boolean;
  readonly literals: number;
}

export interface Router {
  match(method: string, path: string): RouteMatch | undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchSegments(
  route: CompiledRoute,
  segments: readonly string[],
): Record<string, string> | undefined {
  if (
    route.greedy
      ? segments.length < route.segments.length
      : segments.length !== route.segments.length
  ) {
    return undefined;
  }
  const parameters: Record<string, string> = {};
  for (const [index, part] of route.segments.entries()) {
    const segment = segments[index] as string;
    if (!part.startsWith('{')) {
      if (part !== segment) return undefined;
      continue;
    }
    if (part.endsWith('+}')) {
      const rest = segments.slice(index).join('/');
      if (rest === '') return undefined;
      parameters[part.slice(1, -2)] = decodeSegment(rest);
      return parameters;
    }
    if (segment === '') return undefined;
    parameters[part.slice(1, -1)] = decodeSegment(segment);
  }
  return parameters;
}

/**
 * Compiles a route table with API Gateway's precedence: a route of literal segments beats one
 * with parameters, parameters beat a greedy `{proxy+}`, a method beats `ANY`, and `$default`
 * catches the rest.
 */
export function compileRoutes(routes: readonly RouteDefinition[]): Router {
  const compiled: CompiledRoute[] = [];
  let hasDefault = false;
  for (const { routeKey } of routes) {
    if (routeKey === '$default') {
      hasDefault = true;
      continue;
    }
    const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
    if (!match) throw new TypeError(`route key "${routeKey}" is not "METHOD /path" or "$default"`);
    const segments = (match[2] as string).split('/').slice(1);
    const greedy = segments.at(-1)?.endsWith('+}') ?? false;
    const literals = segments.filter((segment) => !segment.startsWith('{')).length;
    compiled.push({ routeKey, method: match[1] as string, segments, greedy, literals });
  }
  compiled.sort(
    (a, b) =>
      Number(a.greedy) - Number(b.greedy) ||
      b.literals - a.literals ||
      Number(a.method === 'ANY') - Number(b.method === 'ANY'),
  );
  return {
    match(method, path) {
      const segments = path.split('/').slice(1);
      for (const route of compiled) {
        if (route.method !== method && route.method !== 'ANY') continue;
        const parameters = matchSegments(route, segments);
        if (!parameters) continue;
        const named = Object.keys(parameters).length > 0;
        return { routeKey: route.routeKey, pathParameters: named ? parameters : undefined };
      }
      return hasDefault ? { routeKey: '$default', pathParameters: undefined } : undefined;
    },
  };
}
