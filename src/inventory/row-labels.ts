/** Row labels as printed on tickets: A…Z, then AA, AB, … (bijective base 26). `index` is 0-based. */
export function rowLabel(index: number): string {
  let label = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    label = String.fromCharCode(65 + ((n - 1) % 26)) + label;
  }
  return label;
}
