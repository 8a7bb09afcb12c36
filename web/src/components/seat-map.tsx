import type { JSX } from 'preact';
import type { MapSection, SeatMap, SeatedSection } from '../api/types';
import { formatMoney, formatTimeOfDay } from '../format';

export interface SeatChoice {
  selected: ReadonlySet<string>;
  /** Seats of the fan's own hold: shown as theirs, not as taken by someone. */
  mine: ReadonlySet<string>;
  gaQuantities: Readonly<Record<string, number>>;
  /** False while the fan holds seats or is not allowed to buy: the map is then to look at only. */
  choosing: boolean;
  onToggleSeat(seatId: string): void;
  onGaQuantity(sectionId: string, quantity: number): void;
}

const STATUS_WORDS = { AVAILABLE: 'available', HELD: 'held by another fan', SOLD: 'sold' } as const;

function SeatedSectionView({ section, choice }: { section: SeatedSection; choice: SeatChoice }): JSX.Element {
  const rows = new Map<string, SeatedSection['seats']>();
  for (const seat of section.seats) rows.set(seat.row, [...(rows.get(seat.row) ?? []), seat]);
  return (
    <div class="seat-rows">
      {[...rows].map(([row, seats]) => (
        <div class="seat-row" role="group" aria-label={`Row ${row}`} key={row}>
          <span class="row-label" aria-hidden="true">
            {row}
          </span>
          {seats.map((seat) => {
            const selected = choice.selected.has(seat.seat_id);
            const mine = choice.mine.has(seat.seat_id);
            const state = mine ? 'mine' : selected ? 'selected' : seat.status.toLowerCase();
            const words = mine ? 'held by you' : selected ? 'selected' : STATUS_WORDS[seat.status];
            return (
              <button
                type="button"
                key={seat.seat_id}
                class={`seat seat-${state}`}
                data-seat-id={seat.seat_id}
                data-status={seat.status}
                aria-pressed={selected}
                aria-label={`Row ${row}, seat ${seat.number}: ${words}`}
                disabled={!choice.choosing || (seat.status !== 'AVAILABLE' && !selected)}
                onClick={() => choice.onToggleSeat(seat.seat_id)}
              >
                {seat.number}
              </button>
            );
          })}
        </div>
      ))}
    </div>
  );
}

function GaSectionView({ section, choice }: { section: Extract<MapSection, { kind: 'GA' }>; choice: SeatChoice }): JSX.Element {
  const id = `ga-${section.section_id}`;
  return (
    <div class="ga">
      <label for={id}>Tickets (standing)</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={0}
        max={section.available_count}
        value={choice.gaQuantities[section.section_id] ?? 0}
        disabled={!choice.choosing || section.available_count === 0}
        onInput={(e) => choice.onGaQuantity(section.section_id, Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)))}
      />
    </div>
  );
}

/** Every section of the event: seated ones seat by seat, general admission with what is left. */
export function SeatMapView({ map, choice }: { map: SeatMap; choice: SeatChoice }): JSX.Element {
  return (
    <div class="seat-map">
      <ul class="legend" aria-label="Legend">
        <li><span class="swatch seat-available" /> Available</li>
        <li><span class="swatch seat-selected" /> Your pick</li>
        <li><span class="swatch seat-mine" /> Held by you</li>
        <li><span class="swatch seat-held" /> Held by someone</li>
        <li><span class="swatch seat-sold" /> Sold</li>
      </ul>
      {map.sections.map((section) => (
        <section class="map-section" key={section.section_id} data-section-id={section.section_id} aria-labelledby={`title-${section.section_id}`}>
          <h3 id={`title-${section.section_id}`}>
            {section.name} · <span data-testid="section-price">{formatMoney(section.price_cents)}</span>{' '}
            <span class="muted" data-testid="available-count">
              {section.available_count === 0 ? 'sold out' : `${section.available_count} left`}
            </span>
          </h3>
          {section.next_price_change_at && (
            <p class="muted price-change" data-testid="next-price-change" data-at={section.next_price_change_at}>
              Price follows demand: next change at {formatTimeOfDay(section.next_price_change_at)}. A hold keeps the price it was made at.
            </p>
          )}
          {section.kind === 'SEATED' ? <SeatedSectionView section={section} choice={choice} /> : <GaSectionView section={section} choice={choice} />}
        </section>
      ))}
    </div>
  );
}
