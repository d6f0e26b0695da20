import { describe, expect, it } from 'vitest';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_MAX_AGE_SECONDS,
  ROUTE_KEYS,
  ROUTES,
} from '../src/http.js';
import { validateChannel, validatePlayerId } from '../src/names.js';
import { isMessageId } from '../src/payloads.js';
import { isReportId } from '../src/safety.js';

// The route table is what API Gateway routes on (Terraform's aws_apigatewayv2_route keys), what
// the chat-api Lambda dispatches on and what the emulator serves (contract §5).
describe('ROUTES', () => {
  it('spells every route key as API Gateway does: METHOD /path, parameters in braces', () => {
    for (const { routeKey } of ROUTES) {
      expect(routeKey).toMatch(/^(GET|POST|PUT|DELETE) (\/([a-z]+(-[a-z]+)*|\{[A-Za-z]+\}))+$/);
    }
    expect(ROUTE_KEYS).toEqual(ROUTES.map((route) => route.routeKey));
  });

  it('has one operation per route and no route twice', () => {
    expect(new Set(ROUTE_KEYS).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map((route) => route.operation)).size).toBe(ROUTES.length);
  });

  it('names only path parameters the protocol has a validator for', () => {
    const validators: Record<string, (value: string) => boolean> = {
      channel: (value) => validateChannel(value).ok,
      playerId: (value) => validatePlayerId(value).ok,
      id: isMessageId,
      reportId: isReportId,
    };
    for (const { routeKey } of ROUTES) {
      for (const [, name] of routeKey.matchAll(/\{(\w+)\}/g)) {
        expect(Object.keys(validators)).toContain(name);
      }
    }
    // A value with a slash never fits one path segment, whatever the parameter.
    for (const validate of Object.values(validators)) expect(validate('a/b')).toBe(false);
  });
});

describe('CORS settings', () => {
  it('allow every method a route uses, the preflight, and the headers the SDK sends', () => {
    const methods = new Set(ROUTE_KEYS.map((key) => key.split(' ')[0]));
    for (const method of methods) expect(CORS_ALLOW_METHODS).toContain(method);
    expect(CORS_ALLOW_METHODS).toContain('OPTIONS');
    expect([...CORS_ALLOW_HEADERS]).toEqual(['authorization', 'content-type']);
  });

  it('let browsers cache a preflight within what they allow (Chromium caps it at 2 hours)', () => {
    expect(CORS_MAX_AGE_SECONDS).toBeGreaterThan(0);
    expect(CORS_MAX_AGE_SECONDS).toBeLessThanOrEqual(7200);
  });
});
