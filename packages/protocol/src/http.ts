/**
 * The HTTP API's contract (contract §5): its one route table and its CORS settings. The handler
 * dispatches on it, the local stack's API emulator builds its routes from it, and the Terraform
 * static tests compare it with the `aws_apigatewayv2_route` keys. Path parameters are checked by
 * the validators of `names` (`{channel}`, `{playerId}`), `payloads` (`{id}`) and `safety`
 * (`{reportId}`). The player routes under `/players/me` act for the token's own player.
 */
/** `player`: any valid token (or none, for reads, when auth is off); `moderator`: moderator or admin. */
export type Access = 'player' | 'moderator';

/** One row of the table, its strings kept as literal types. */
function route<const K extends string, const O extends string, const A extends Access>(
  routeKey: K,
  operation: O,
  access: A,
): { readonly routeKey: K; readonly operation: O; readonly access: A } {
  return { routeKey, operation, access };
}

export const ROUTES = [
  route('GET /channels/{channel}/messages', 'listMessages', 'player'),
  route('POST /channels/{channel}/announcements', 'announce', 'moderator'),
  route('DELETE /channels/{channel}/messages/{id}', 'deleteMessage', 'moderator'),
  route('PUT /players/{playerId}/mute', 'mutePlayer', 'moderator'),
  route('DELETE /players/{playerId}/mute', 'unmutePlayer', 'moderator'),
  route('GET /channels/{channel}/presence', 'listPresence', 'player'),
  route('GET /occupancy', 'getOccupancy', 'player'),
  route('PUT /players/me/blocks/{playerId}', 'blockPlayer', 'player'),
  route('DELETE /players/me/blocks/{playerId}', 'unblockPlayer', 'player'),
  route('GET /players/me/blocks', 'listBlocks', 'player'),
  route('POST /channels/{channel}/messages/{id}/reports', 'reportMessage', 'player'),
  route('GET /reports', 'listReports', 'moderator'),
  route('POST /reports/{reportId}/resolution', 'resolveReport', 'moderator'),
  route('PUT /channels/{channel}/slow-mode', 'setSlowMode', 'moderator'),
  route('DELETE /channels/{channel}/slow-mode', 'clearSlowMode', 'moderator'),
] as const;

export type Route = (typeof ROUTES)[number];
export type RouteKey = Route['routeKey'];
export type Operation = Route['operation'];

export const ROUTE_KEYS: readonly RouteKey[] = ROUTES.map((route) => route.routeKey);

/** CORS as Terraform configures it on the API; the handler answers the same for the local stack. */
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type'] as const;
export const CORS_MAX_AGE_SECONDS = 600;
