/**
 * The on-sale workflow's public surface, defined once for the API, operators' tools and the workflow.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OnSaleLimits, OnSaleView } from '../domain/on-sale';

/** `temporal workflow query -w on-sale-<event id> --type onSale`: queue length, admitted, finished, rate. */
export const onSaleQuery = defineQuery<OnSaleView>('onSale');

/** An operator changes the ceiling, the rate or the window while the sale runs; bad values are refused by the validator. */
export const setOnSaleLimitsUpdate = defineUpdate<OnSaleView, [Partial<OnSaleLimits>]>('setOnSaleLimits');
