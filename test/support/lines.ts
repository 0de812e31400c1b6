/**
 * The texts that start lines in the given order, each found after the one before: all of them when the
 * order holds, so that `expect(inOrder(lines, texts)).toEqual(texts)` shows where it broke.
 */
export function inOrder(lines: readonly string[], texts: readonly string[]): string[] {
  const found: string[] = [];
  let from = 0;
  for (const text of texts) {
    const index = lines.findIndex((line, i) => i >= from && line.startsWith(text));
    if (index < 0) break;
    found.push(text);
    from = index + 1;
  }
  return found;
}
