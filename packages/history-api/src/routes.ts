import { ROUTES, type Route } from '@game-chat/protocol/http';

export interface MatchedRoute {
  readonly route: Route;
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** The parts of an HTTP API v2 event that routing reads. */
export interface RoutingEvent {
  readonly routeKey: string;
  readonly rawPath: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | undefined;
  readonly requestContext: { readonly stage?: string; readonly http: { readonly method: string } };
}

export type Routing =
  | { readonly kind: 'route'; readonly match: MatchedRoute }
  | { readonly kind: 'preflight' }
  | { readonly kind: 'not_found' };

const MAX_PATH_LENGTH = 1024;

const compiled = ROUTES.map((route) => {
  const [method, template = ''] = route.routeKey.split(' ');
  return { route, method, segments: template.split('/').slice(1) };
});

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Malformed percent-encoding: keep the raw text, which parameter validation then refuses.
    return segment;
  }
}

function matchPath(
  segments: readonly string[],
  template: readonly string[],
): Record<string, string> | undefined {
  if (segments.length !== template.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, part] of template.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith('{')) {
      if (segment.length === 0) return undefined;
      parameters[part.slice(1, -1)] = decodeSegment(segment);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return parameters;
}

/** Finds the route for a method and a path such as `/channels/Town137/messages`. */
export function matchRoute(method: string, path: string): MatchedRoute | undefined {
  if (path.length > MAX_PATH_LENGTH || !path.startsWith('/')) return undefined;
  const segments = path.split('/').slice(1);
  for (const candidate of compiled) {
    if (candidate.method !== method) continue;
    const pathParameters = matchPath(segments, candidate.segments);
    if (pathParameters) return { route: candidate.route, pathParameters };
  }
  return undefined;
}

function matchesAnyRoute(path: string): boolean {
  if (path.length > MAX_PATH_LENGTH) return false;
  const segments = path.split('/').slice(1);
  return compiled.some((candidate) => matchPath(segments, candidate.segments) !== undefined);
}

/** A named stage puts its name in front of `rawPath` (`/prod/channels/...`); `$default` does not. */
function pathWithoutStage(event: RoutingEvent): string {
  const stage = event.requestContext.stage;
  if (stage === undefined || stage === '$default') return event.rawPath;
  const prefix = `/${stage}`;
  return event.rawPath === prefix || event.rawPath.startsWith(`${prefix}/`)
    ? event.rawPath.slice(prefix.length)
    : event.rawPath;
}

/**
 * Routes an API Gateway v2 event: by `routeKey` when API Gateway matched a route, by method and
 * path when the integration sits behind `$default`. `OPTIONS` on a known path is a preflight.
 */
export function resolveRoute(event: RoutingEvent): Routing {
  const method = event.requestContext.http.method.toUpperCase();
  const path = pathWithoutStage(event);
  if (method === 'OPTIONS')
    return matchesAnyRoute(path) ? { kind: 'preflight' } : { kind: 'not_found' };
  if (event.routeKey !== '$default') {
    const route = ROUTES.find((candidate) => candidate.routeKey === event.routeKey);
    if (!route) return { kind: 'not_found' };
    const pathParameters: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
      if (value !== undefined) pathParameters[name] = value;
    }
    return { kind: 'route', match: { route, pathParameters } };
  }
  const match = matchRoute(method, path);
  return match ? { kind: 'route', match } : { kind: 'not_found' };
}
