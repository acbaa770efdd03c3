// Time windows in the tenant's time zone ("today" in Jakarta is not "today" in the browser's zone).

const partsFormatters = new Map();

function parts(t, timeZone) {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, Number(x.value)]));
  return { y: p.year, m: p.month, d: p.day, hh: p.hour, mm: p.minute, ss: p.second };
}

/** Minutes the zone is ahead of UTC at instant `t` (420 for Asia/Jakarta). */
export function offsetAt(t, timeZone) {
  const p = parts(t, timeZone);
  const wall = Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss);
  return Math.round((wall - Math.floor(t / 1000) * 1000) / 60_000);
}

/** "UTC+07:00" */
export function offsetLabel(timeZone, t = Date.now()) {
  const off = offsetAt(t, timeZone);
  const abs = Math.abs(off);
  return `UTC${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The instant the local day y-m-d starts in the zone (twice corrected: DST changes the offset). */
export function startOfDay(y, m, d, timeZone) {
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offsetAt(wall, timeZone) * 60_000;
  t = wall - offsetAt(t, timeZone) * 60_000;
  return new Date(t);
}

/** Today's date in the zone, as "YYYY-MM-DD" (what <input type=date> holds). */
export function todayIn(timeZone, t = Date.now()) {
  const p = parts(t, timeZone);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

const ymd = (s) => s.split('-').map(Number);

/** The day after "YYYY-MM-DD", as numbers (calendar arithmetic in UTC: no zone involved). */
function nextDay(s) {
  const [y, m, d] = ymd(s);
  const n = new Date(Date.UTC(y, m - 1, d + 1));
  return [n.getUTCFullYear(), n.getUTCMonth() + 1, n.getUTCDate()];
}

/**
 * The filter's since/until (ISO instants) for a window: "today", "7d" (today and the six days
 * before), "custom" (from and to dates, both included), or "all".
 */
export function windowRange(kind, timeZone, custom = {}, now = Date.now()) {
  const today = todayIn(timeZone, now);
  if (kind === 'all') return { since: null, until: null };
  if (kind === 'today') return { since: startOfDay(...ymd(today), timeZone).toISOString(), until: null };
  if (kind === '7d') {
    const [y, m, d] = ymd(today);
    const first = new Date(Date.UTC(y, m - 1, d - 6));
    return {
      since: startOfDay(first.getUTCFullYear(), first.getUTCMonth() + 1, first.getUTCDate(), timeZone).toISOString(),
      until: null,
    };
  }
  const since = custom.from ? startOfDay(...ymd(custom.from), timeZone).toISOString() : null;
  const until = custom.to ? new Date(startOfDay(...nextDay(custom.to), timeZone).getTime() - 1).toISOString() : null;
  return { since, until };
}
