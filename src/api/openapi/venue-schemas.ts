import { z } from './registry';
import { visibleText } from './string-formats';

/** Names are shown to buyers: surrounding blanks are dropped so "Floor " and "Floor" are one name. */
const label = visibleText;

/**
 * Every event of a venue gets one row per seat; beyond this the event's inventory takes minutes to
 * build and its seat map tens of megabytes. Larger than the largest stadium in the world.
 */
export const MAX_SEATS_PER_VENUE = 200_000;

const seatedSectionInput = z
  .object({
    name: label(100),
    kind: z.literal('SEATED'),
    rows: z.number().int().min(1).max(200),
    seats_per_row: z.number().int().min(1).max(500),
  })
  .openapi('SeatedSectionInput');

const gaSectionInput = z
  .object({
    name: label(100),
    kind: z.literal('GA'),
    capacity: z.number().int().min(1).max(1_000_000),
  })
  .openapi('GaSectionInput');

export const sectionInputSchema = z.discriminatedUnion('kind', [seatedSectionInput, gaSectionInput]);

type SectionInput = z.infer<typeof sectionInputSchema>;

function checkSeatTotal(sections: SectionInput[], ctx: z.RefinementCtx): void {
  const seats = sections.reduce((sum, s) => sum + (s.kind === 'SEATED' ? s.rows * s.seats_per_row : 0), 0);
  if (seats > MAX_SEATS_PER_VENUE) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `at most ${MAX_SEATS_PER_VENUE} seats per venue (got ${seats})` });
  }
}

/** Compared case-insensitively: "Floor" and "floor" in one venue would only confuse buyers. */
function checkUniqueNames(sections: SectionInput[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  sections.forEach((section, index) => {
    const key = section.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index, 'name'], message: `duplicate section name (same as sections.${first}.name)` });
    } else {
      seen.set(key, index);
    }
  });
}

export const createVenueBodySchema = z
  .object({
    name: label(200),
    city: label(100),
    address: label(500).nullish(),
    sections: z
      .array(sectionInputSchema)
      .min(1)
      .max(50)
      .superRefine((sections, ctx) => {
        checkSeatTotal(sections, ctx);
        checkUniqueNames(sections, ctx);
      })
      .openapi({
        description: `1 to 50 sections with unique names (case-insensitive), shown in this order; at most ${MAX_SEATS_PER_VENUE} seats in all`,
      }),
  })
  .openapi('CreateVenueRequest');

export type CreateVenueBody = z.infer<typeof createVenueBodySchema>;
export type CreateVenueInput = z.input<typeof createVenueBodySchema>;

export const venueSectionSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    kind: z.enum(['SEATED', 'GA']),
    rows: z.number().int().nullable().openapi({ description: 'null for GA sections' }),
    seats_per_row: z.number().int().nullable().openapi({ description: 'null for GA sections' }),
    capacity: z.number().int().openapi({ description: 'places in the section: rows × seats_per_row for SEATED sections' }),
  })
  .openapi('VenueSection');

export const venueSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    city: z.string(),
    address: z.string().nullable(),
    sections: z.array(venueSectionSchema),
    created_at: z.string().datetime(),
  })
  .openapi('Venue');

export type VenueView = z.infer<typeof venueSchema>;
export type VenueSectionView = z.infer<typeof venueSectionSchema>;
