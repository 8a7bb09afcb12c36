import { OpenAPIRegistry, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Must run before any schema is declared, so every schema can carry OpenAPI metadata.
extendZodWithOpenApi(z);

export { z };

/** One registry for the whole API: routes register their schemas here as they are defined. */
export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  return registry;
}
