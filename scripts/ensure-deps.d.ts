export function findBinary(name: string): string | null;
export function findChromium(): string | null;
