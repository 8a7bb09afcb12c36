import { z } from './registry';

export const uuid = z.string().uuid();
export const idParams = z.object({ id: z.string().openapi({ format: 'uuid' }) });

export const errorSchema = z
  .object({
    error: z.string().openapi({ example: 'VALIDATION_ERROR' }),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi('Error');
