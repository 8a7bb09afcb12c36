/**
 * What a ticket's place first sold for (its face value), as a SQL expression over a `tickets` row
 * aliased `alias`: the price its order's reservation paid for that seat, or for a GA place of that
 * section. A transfer or a resale keeps the place, so it keeps the face value.
 */
export function faceValueSql(alias: string): string {
  return `(SELECT ri.price_cents FROM orders fo JOIN reservation_items ri ON ri.reservation_id = fo.reservation_id
            WHERE fo.id = ${alias}.order_id AND ri.section_id = ${alias}.section_id AND ri.seat_id IS NOT DISTINCT FROM ${alias}.seat_id
            ORDER BY ri.position LIMIT 1)`;
}
