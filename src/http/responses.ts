/** Building blocks for route definitions: JSON bodies, the shared error answers, the bearer scheme. */
import type { z } from '@hono/zod-openapi';
import { ErrorBody } from './schemas.ts';

export const bearer = [{ Bearer: [] }];

export const json = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } });

const MEANINGS: Record<number, string> = {
  400: 'malformed request (not JSON, bad cursor or header)',
  401: 'no token, or a wrong one',
  403: 'not allowed for this caller',
  404: 'not found',
  409: 'conflicts with the current state',
  413: 'body larger than HTTP_BODY_LIMIT',
  415: 'body is not application/json',
  422: 'the request is well-formed but invalid; `issues` names each field',
};

/** The error answers a route can give, each `{ error, issues? }`. */
export function errors<const C extends readonly number[]>(...codes: C): { [K in C[number]]: ReturnType<typeof json<typeof ErrorBody>> } {
  return Object.fromEntries(codes.map((c) => [c, json(ErrorBody, MEANINGS[c]!)])) as { [K in C[number]]: ReturnType<typeof json<typeof ErrorBody>> };
}
