/**
 * Whether a waiting room let fans in in the order they joined, judged only from what fans were told:
 * the join number (queue_number) and the admission number of each admitted fan.
 */

export interface AdmittedFan {
  queueNumber: number;
  admissionNumber: number;
}

export interface OrderCheck {
  admitted: number;
  /** Pairs of fans where the one who joined first was let in later: 0 for a fair room. */
  inversions: number;
  /** Admission numbers given to more than one fan, and join numbers likewise: both must be 0. */
  duplicateAdmissionNumbers: number;
  duplicateQueueNumbers: number;
}

/** Counts inversions by merge sort: n log n, so tens of thousands of fans cost nothing. */
function countInversions(values: number[]): number {
  if (values.length < 2) return 0;
  const mid = values.length >> 1;
  const left = values.slice(0, mid);
  const right = values.slice(mid);
  let inversions = countInversions(left) + countInversions(right);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < left.length && j < right.length) {
    if ((left[i] as number) <= (right[j] as number)) values[k++] = left[i++] as number;
    else {
      // Every value still in `left` is greater than right[j]: each is one inversion with it.
      inversions += left.length - i;
      values[k++] = right[j++] as number;
    }
  }
  while (i < left.length) values[k++] = left[i++] as number;
  while (j < right.length) values[k++] = right[j++] as number;
  return inversions;
}

function duplicates(values: number[]): number {
  return values.length - new Set(values).size;
}

export function checkAdmissionOrder(fans: readonly AdmittedFan[]): OrderCheck {
  const byJoin = [...fans].sort((a, b) => a.queueNumber - b.queueNumber);
  return {
    admitted: fans.length,
    inversions: countInversions(byJoin.map((f) => f.admissionNumber)),
    duplicateAdmissionNumbers: duplicates(fans.map((f) => f.admissionNumber)),
    duplicateQueueNumbers: duplicates(fans.map((f) => f.queueNumber)),
  };
}

export function orderViolations(check: OrderCheck): number {
  return check.inversions + check.duplicateAdmissionNumbers + check.duplicateQueueNumbers;
}
