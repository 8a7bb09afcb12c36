import { OpenApiGeneratorV3, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

export function buildOpenApiDocument(registry: OpenAPIRegistry): ReturnType<OpenApiGeneratorV3['generateDocument']> {
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Ticket inventory API',
      version: '1.0.0',
      description:
        'Seats and general-admission tickets under extreme demand. Every reservation is a durable Temporal workflow; ' +
        'errors are {error, message, ...details} with the codes of the contract.',
    },
    servers: [{ url: '/' }],
  });
}
