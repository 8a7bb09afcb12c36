/**
 * The pricing workflow's public surface, defined once for operators' tools, tests and the workflow.
 */
import { defineQuery } from '@temporalio/workflow';
import type { PricingView } from '../domain/pricing';

/** `temporal workflow query -w pricing-<event id> --type pricing`: where the loop stands and what it last decided. */
export const pricingQuery = defineQuery<PricingView>('pricing');
