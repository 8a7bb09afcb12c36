/**
 * The Redis keys of one event's waiting room. The braces make them one hash slot, so the scripts that
 * touch several of them stay atomic on a Redis Cluster too.
 */
export function waitingRoomKeys(eventId: string) {
  const base = `waiting-room:{${eventId.toLowerCase()}}`;
  return {
    /** Sorted set: fan (user id) → join number. Lowest first; joining again keeps the number. */
    queue: `${base}:queue`,
    /** Set: fans who joined before the sale opened; placed in a random order at opening (placePreQueue). */
    prequeue: `${base}:prequeue`,
    /** Counter of joins: the next join number. */
    joins: `${base}:joins`,
    /** Counter of admissions: the next admission number. */
    admissions: `${base}:admissions`,
    /** Hash: fan → their admission, "admission number:join number:admitted at ms:expires at ms". */
    admitted: `${base}:admitted`,
    /** Sorted set: admitted fans not yet finished → when their token expires. Its size is what the ceiling bounds. */
    active: `${base}:active`,
    /** Hash: state (OPEN, SOLD_OUT, CLOSED), rate_per_second, opens_at_ms, max_rate, last_tick, prequeue_size (once placed). */
    state: `${base}:state`,
  };
}

export type WaitingRoomKeys = ReturnType<typeof waitingRoomKeys>;
