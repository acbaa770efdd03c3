import express, { type Router } from 'express';
import { registry } from '../metrics.js';

/** Mounted at the root: GET /metrics in the Prometheus text format (no token: expose it on the internal network only). */
export function metricsRouter(): Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    const body = await registry.metrics();
    res.set('cache-control', 'no-store').type(registry.contentType).send(body);
  });
  return router;
}
