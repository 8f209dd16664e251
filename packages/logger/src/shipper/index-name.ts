/** Turns the `index` option into a function of the record's write time. */
export type IndexOption = string | ((writtenAt: Date) => string);

const PATTERN = /%\{\+([^}]+)\}/g;

/**
 * `logs-%{+yyyy.MM.dd}` (Logstash's syntax) becomes `logs-2026.11.24`, in UTC. Tokens: yyyy, yy,
 * MM, dd, HH, mm. A plain string is used as is; a function is called per record.
 * Pattern results are cached per minute, the finest token, so a busy logger formats once a minute.
 */
export function createIndexNamer(index: IndexOption): (writtenAtMs: number) => string {
  if (typeof index === 'function') return (writtenAtMs) => index(new Date(writtenAtMs));
  if (!index.includes('%{')) return () => index;
  let cachedMinute = -1;
  let cachedName = '';
  return (writtenAtMs) => {
    const minute = Math.floor(writtenAtMs / 60_000);
    if (minute !== cachedMinute) {
      cachedMinute = minute;
      cachedName = formatIndexName(index, new Date(writtenAtMs));
    }
    return cachedName;
  };
}

export function formatIndexName(pattern: string, date: Date): string {
  return pattern.replace(PATTERN, (_match, format: string) =>
    format.replace(/yyyy|yy|MM|dd|HH|mm/g, (token) => {
      switch (token) {
        case 'yyyy':
          return String(date.getUTCFullYear());
        case 'yy':
          return pad(date.getUTCFullYear() % 100);
        case 'MM':
          return pad(date.getUTCMonth() + 1);
        case 'dd':
          return pad(date.getUTCDate());
        case 'HH':
          return pad(date.getUTCHours());
        default:
          return pad(date.getUTCMinutes());
      }
    }),
  );
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
