/**
 * The HTTP API's contract (contract §5): its one route table and its CORS settings. The handler
 * dispatches on it, the local stack's API emulator builds its routes from it, and the Terraform
 * static tests compare it with the `aws_apigatewayv2_route` keys. Path parameters are checked by
 * the validators of `names` (`{channel}`, `{playerId}`), `payloads` (`{id}`) and `safety`
 * (`{reportId}`). The player routes under `/players/me` act for the token's own player.
 */
export const ROUTES = [
  { routeKey: 'GET /channels/{channel}/messages', operation: 'listMessages', access: 'player' },
  {
    routeKey: 'POST /channels/{channel}/announcements',
    operation: 'announce',
    access: 'moderator',
  },
  {
    routeKey: 'DELETE /channels/{channel}/messages/{id}',
    operation: 'deleteMessage',
    access: 'moderator',
  },
  { routeKey: 'PUT /players/{playerId}/mute', operation: 'mutePlayer', access: 'moderator' },
  { routeKey: 'DELETE /players/{playerId}/mute', operation: 'unmutePlayer', access: 'moderator' },
  { routeKey: 'GET /channels/{channel}/presence', operation: 'listPresence', access: 'player' },
  { routeKey: 'GET /occupancy', operation: 'getOccupancy', access: 'player' },
  { routeKey: 'PUT /players/me/blocks/{playerId}', operation: 'blockPlayer', access: 'player' },
  {
    routeKey: 'DELETE /players/me/blocks/{playerId}',
    operation: 'unblockPlayer',
    access: 'player',
  },
  { routeKey: 'GET /players/me/blocks', operation: 'listBlocks', access: 'player' },
  {
    routeKey: 'POST /channels/{channel}/messages/{id}/reports',
    operation: 'reportMessage',
    access: 'player',
  },
  { routeKey: 'GET /reports', operation: 'listReports', access: 'moderator' },
  {
    routeKey: 'POST /reports/{reportId}/resolution',
    operation: 'resolveReport',
    access: 'moderator',
  },
  { routeKey: 'PUT /channels/{channel}/slow-mode', operation: 'setSlowMode', access: 'moderator' },
  {
    routeKey: 'DELETE /channels/{channel}/slow-mode',
    operation: 'clearSlowMode',
    access: 'moderator',
  },
] as const;

export type Route = (typeof ROUTES)[number];
export type RouteKey = Route['routeKey'];
export type Operation = Route['operation'];
/** `player`: any valid token (or none, for reads, when auth is off); `moderator`: moderator or admin. */
export type Access = Route['access'];

export const ROUTE_KEYS: readonly RouteKey[] = ROUTES.map((route) => route.routeKey);

/** CORS as Terraform configures it on the API; the handler answers the same for the local stack. */
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type'] as const;
export const CORS_MAX_AGE_SECONDS = 600;
