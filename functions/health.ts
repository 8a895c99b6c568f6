import { publicRoute } from '#shared/http/route';

export const handler = publicRoute(async () => ({ status: 200, body: { ok: true } }));
