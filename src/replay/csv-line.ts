/**
 * Splits one CSV line into fields (RFC 4180 quoting within a single line). Owns nothing else: it does
 * not know column meanings, and it never spans lines (trace rows are one line each).
 */

/** Fields of one CSV line, or null when a quote is left open (the row is malformed). */
export function splitCsvLine(line: string): string[] | null {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQuotes) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  if (inQuotes) return null;
  fields.push(field);
  return fields;
}

/** Quotes a field for CSV output when it needs it. */
export function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
