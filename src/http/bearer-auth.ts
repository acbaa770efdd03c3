import type { Request } from 'express';
import type { App } from '../app.js';
import { bearer, type Auth } from '../auth/jwt.js';

/** A REST route's caller: its verified token, or why there is none (the route answers 401 with it). */
export async function authenticate(app: App, req: Request): Promise<{ auth: Auth } | { problem: string }> {
  const token = bearer(req.get('authorization'));
  if (!token) return { problem: 'A valid bearer token is required' };
  try {
    return { auth: await app.verify(token) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}
