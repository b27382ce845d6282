// Colours for the drawn windows: light enough for black labels, distinct for up to 18 neighbours
// (the largest template shows 17 users). Tests read them back from rendered pixels.
const WINDOW_COLOURS = [
  '8ECAE6', 'FFB703', '90BE6D', 'F28482', 'B8A1E3', 'F9C74F', '4CC9F0', 'F4A261', 'A8DADC',
  'E9C46A', '84A59D', 'F7A1C4', 'BDE0FE', 'C5E17A', 'FFADAD', '9BF6FF', 'CAFFBF', 'FFD6A5',
] as const;

/** RRGGBB of the n-th window (0-based), repeating after 18. */
export function windowColour(n: number): string {
  return WINDOW_COLOURS[n % WINDOW_COLOURS.length] ?? WINDOW_COLOURS[0];
}

export function rgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex, 16);
  return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
}

function hexOf([r, g, b]: readonly [number, number, number]): string {
  return [r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0').toUpperCase()).join('');
}

/** The window's borders (crop 0) and outline: the same hue, darker, so it still stands out from a black canvas. */
export function borderColour(hex: string): string {
  return hexOf(rgb(hex).map((c) => c * 0.45) as [number, number, number]);
}

/** Black or white, whichever reads better on the colour. */
export function inkOn(hex: string): string {
  const [r, g, b] = rgb(hex);
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '000000' : 'FFFFFF';
}
