import { ROUTES, type Route } from '@game-chat/protocol/http';

export interface MatchedRoute {
  readonly route: Route;
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** The parts of an HTTP API v2 event that routing reads. */
export interface RoutingEvent {
  readonly routeKey: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * The route API Gateway matched, by `routeKey`. The API declares every route of the table (a
 * Terraform static test keeps them equal) and no `$default` route, and it answers CORS
 * preflights itself, so an event never reaches the function without one of them
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html).
 */
export function resolveRoute(event: RoutingEvent): MatchedRoute | undefined {
  const route = ROUTES.find((candidate) => candidate.routeKey === event.routeKey);
  if (!route) return undefined;
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value !== undefined) pathParameters[name] = value;
  }
  return { route, pathParameters };
}
