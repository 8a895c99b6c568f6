/** Pages the local server adds beside the contract: the OpenAPI document. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type ExtraPage, REPOSITORY_ROOT } from './server';

export const OPENAPI_PATH = join(REPOSITORY_ROOT, 'docs', 'openapi.yaml');

export const loadOpenApi = (): Record<string, unknown> => parse(readFileSync(OPENAPI_PATH, 'utf8'));

export const openApiPages = (): Map<string, ExtraPage> => {
  const document = JSON.stringify(loadOpenApi());
  return new Map([
    ['/openapi.json', () => ({ contentType: 'application/json; charset=utf-8', body: document })],
  ]);
};
