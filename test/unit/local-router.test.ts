import { createRouter, decodePathParameters, splitRequestTarget } from '#infra/local/api-gateway';
import { type RouteDefinition, routes } from '#infra/routes';

const route = (method: RouteDefinition['method'], path: string): RouteDefinition => ({
  id: `${method} ${path}`,
  method,
  path,
  entry: 'functions/health.ts',
  authenticated: true,
  tableActions: [],
  blobActions: [],
});

const match = createRouter(routes);
/** The route id and the decoded parameters a raw request target reaches, as the local server reads it. */
const reach = (method: string, target: string) => {
  const { rawPath } = splitRequestTarget(target);
  const matched = match(method, rawPath);
  return matched && { id: matched.route.id, parameters: decodePathParameters(matched.rawPathParameters) };
};

describe('the request target, exactly as sent', () => {
  test.each([
    ['/checkout/x/../y.mcam', '/checkout/x/../y.mcam', ''],
    ['/files?prefix=a%2Fb&limit=5', '/files', 'prefix=a%2Fb&limit=5'],
    ['/files/a.mcam?x=1?y=2', '/files/a.mcam', 'x=1?y=2'],
    ['/checkout/x/%2E%2E/y.mcam', '/checkout/x/%2E%2E/y.mcam', ''],
    ['http://localhost:3000/files/./a.mcam?q', '/files/./a.mcam', 'q'],
    ['http://localhost:3000', '/', ''],
  ])('%j', (target, rawPath, rawQueryString) => {
    expect(splitRequestTarget(target)).toEqual({ rawPath, rawQueryString });
  });
});

describe('routing on the raw path', () => {
  test.each([
    ['GET', '/health', 'Health', undefined],
    ['GET', '/files', 'ListFiles', undefined],
    ['GET', '/files/fixtures/Plate%20A.mcam', 'GetFile', { name: 'fixtures/Plate A.mcam' }],
    ['GET', '/files/100%25+fill.mcam', 'GetFile', { name: '100%+fill.mcam' }],
    ['GET', '/files/a%2Fb.mcam', 'GetFile', { name: 'a/b.mcam' }],
    // Dot and empty segments are handed over as they are, for the name rules to refuse.
    ['POST', '/checkout/x/../y.mcam', 'Checkout', { name: 'x/../y.mcam' }],
    ['POST', '/checkout/x/%2E%2E/y.mcam', 'Checkout', { name: 'x/../y.mcam' }],
    ['POST', '/checkout/x/%2e/y.mcam', 'Checkout', { name: 'x/./y.mcam' }],
    ['POST', '/checkout/./y.mcam', 'Checkout', { name: './y.mcam' }],
    ['POST', '/checkout/a//y.mcam', 'Checkout', { name: 'a//y.mcam' }],
    ['GET', '/files/y.mcam/', 'GetFile', { name: 'y.mcam/' }],
    ['GET', '/files//', 'GetFile', { name: '/' }],
    // Line breaks are characters like any other here: no "no route".
    ['GET', '/files/a%0Ab.mcam', 'GetFile', { name: 'a\nb.mcam' }],
    ['GET', '/files/a%0D%0Ab.mcam', 'GetFile', { name: 'a\r\nb.mcam' }],
    ['GET', '/files/a%E2%80%A8b.mcam', 'GetFile', { name: 'a\u2028b.mcam' }],
    ['GET', '/versions/a%E2%80%A9b.mcam', 'ListVersions', { name: 'a\u2029b.mcam' }],
    ['DELETE', '/locks/a.mcam', 'ReleaseLock', { name: 'a.mcam' }],
    // A parameter that does not decode still picks its route (401 comes before 400).
    ['GET', '/files/%E0%A4%A.mcam', 'GetFile', null],
    ['GET', '/download/%ED%A0%80.mcam', 'Download', null],
  ])('%s %s reaches %s with %j', (method, target, id, parameters) => {
    expect(reach(method, target)).toEqual({ id, parameters });
  });

  test.each([
    ['GET', '/files/'],
    ['GET', '/nope'],
    ['GET', '//files/a.mcam'],
    ['GET', '/./files/a.mcam'],
    ['GET', '/x/../files/a.mcam'],
    ['GET', '/files%2Fa.mcam'],
    ['GET', '/health/'],
    ['PUT', '/files/a.mcam'],
    ['POST', '/files/a.mcam'],
    ['GET', '*'],
  ])('%s %s matches no route', (method, target) => {
    expect(reach(method, target)).toBeNull();
  });
});

describe('path shapes for the routes to come', () => {
  const router = createRouter([route('POST', '/restore/{fileId}'), route('PUT', '/rules/{prefix+}')]);
  const parameters = (method: string, rawPath: string) => {
    const matched = router(method, rawPath);
    return matched && decodePathParameters(matched.rawPathParameters);
  };

  test('a single parameter is exactly one non-empty segment', () => {
    expect(parameters('POST', '/restore/f-123')).toEqual({ fileId: 'f-123' });
    expect(parameters('POST', '/restore/a%2Fb')).toEqual({ fileId: 'a/b' });
    expect(parameters('POST', '/restore/')).toBeNull();
    expect(parameters('POST', '/restore/a/b')).toBeNull();
  });

  test('a greedy folder prefix keeps its trailing "/" for parseFolderPrefix', () => {
    expect(parameters('PUT', '/rules/Fixtures/Plates/')).toEqual({ prefix: 'Fixtures/Plates/' });
    expect(parameters('PUT', '/rules/a//')).toEqual({ prefix: 'a//' });
  });

  test('a greedy parameter anywhere but last is refused when the table is read', () => {
    expect(() => createRouter([route('GET', '/a/{rest+}/b')])).toThrow(/last segment/);
  });
});
