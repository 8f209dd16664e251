import { randomUUID } from 'node:crypto';
import { DEFAULT_ITEMS, MAX_BODY_BYTES, MAX_ITEMS } from '../config.js';
import { isPlainObject, readJsonBody } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { sendJson } from '../http/respond.js';
import type { Route } from './context.js';
import { integerParam } from './query.js';

/** Longest item name accepted by `POST /api/items`. */
export const MAX_NAME_LENGTH = 100;
/** Largest quantity accepted by `POST /api/items`. */
export const MAX_QUANTITY = 1_000_000;

const TAGS = ['red', 'green', 'blue', 'small', 'large', 'sale'] as const;

// The work routes: allocate, log, respond, and keep nothing, so load has something
// realistic to do and the soak test can see whether anything stays behind.
export const itemRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/items',
    handler: ({ res, url, deps }) => {
      const count = integerParam(url, 'n', 1, MAX_ITEMS, DEFAULT_ITEMS);
      const items = Array.from({ length: count }, (_, index) => ({
        id: index + 1,
        name: `item-${index + 1}`,
        priceCents: ((index * 7919) % 10_000) + 99,
        tags: [TAGS[index % TAGS.length], TAGS[(index + 3) % TAGS.length]],
      }));
      const totalCents = items.reduce((sum, item) => sum + item.priceCents, 0);
      deps.logger.info({ count, totalCents }, 'items built');
      sendJson(res, 200, { count, totalCents, items });
    },
  },
  {
    method: 'POST',
    path: '/api/items',
    handler: async ({ req, res, deps }) => {
      const body = await readJsonBody(req, MAX_BODY_BYTES);
      if (!isPlainObject(body)) throw new HttpError(400, 'body must be a JSON object like {"name":"pen","quantity":2}');
      const { name, quantity } = body;
      if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
        throw new HttpError(400, `"name" must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
      }
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
        throw new HttpError(400, `"quantity" must be an integer from 1 to ${MAX_QUANTITY}`);
      }
      const item = { id: randomUUID(), name: name.trim(), quantity, createdAt: new Date().toISOString() };
      deps.logger.info({ itemId: item.id, quantity }, 'item accepted');
      // Not stored anywhere on purpose: the service must hold no per-request state.
      sendJson(res, 201, { item });
    },
  },
];
