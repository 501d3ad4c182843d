import { OPENAPI_ROUTE, startLocalApi } from '../../local/api-gateway';
import { buildOpenApiDocument } from '../../tools/openapi';

describe('the local API', () => {
  it(`serves the OpenAPI document at GET ${OPENAPI_ROUTE}, with its own URL as the server`, async () => {
    // Prepare: handlers that would fail the test if the route reached them.
    const api = await startLocalApi({
      handler: async () => ({ statusCode: 599, body: '' }),
      statusHandler: async () => ({ statusCode: 599, body: '' }),
    });

    try {
      // Act
      const response = await fetch(`${api.url}${OPENAPI_ROUTE}`);
      const post = await fetch(`${api.url}${OPENAPI_ROUTE}`, { method: 'POST', body: '{}' });

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual(buildOpenApiDocument({ serverUrl: api.url }));
      expect(post.status).toBe(404);
      await post.arrayBuffer();
    } finally {
      await api.close();
    }
  });

  it('serves the document of the auth mode it runs in, when told', async () => {
    // Prepare
    const api = await startLocalApi({
      handler: async () => ({ statusCode: 599, body: '' }),
      openApiAuth: 'webhook',
    });

    try {
      // Act
      const document = await (await fetch(`${api.url}${OPENAPI_ROUTE}`)).json();

      // Assess
      expect(document).toEqual(buildOpenApiDocument({ auth: 'webhook', serverUrl: api.url }));
      expect(document).not.toEqual(buildOpenApiDocument({ serverUrl: api.url }));
    } finally {
      await api.close();
    }
  });
});
