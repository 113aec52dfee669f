// <time:…> parsing. Zulip hands the string to dateutil; this accepts the
// forms people actually type: ISO 8601, UNIX seconds, and "31 Dec 2017 5:30 am
// IST" / "Jun 5th 2017, 10:30PM" style dates (UTC unless a zone is given).

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const ZONES: Record<string, number> = {
  utc: 0, gmt: 0, z: 0, ist: 330, pst: -480, pdt: -420, mst: -420, mdt: -360, cst: -360,
  cdt: -300, est: -300, edt: -240, cet: 60, cest: 120, bst: 60, eet: 120, eest: 180,
  jst: 540, kst: 540, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
};

function fmt(ms: number): string | null {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return null;
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function parseTimestamp(input: string): string | null {
  const s = input.trim();
  if (/^-?\d+(?:\.\d+)?$/.test(s)) return fmt(Math.floor(Number(s) * 1000));
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (iso) {
    const [, y, mo, d, h = "0", mi = "0", se = "0", tz] = iso;
    let off = 0;
    if (tz && tz.toUpperCase() !== "Z") {
      const m = /([+-])(\d{2}):?(\d{2})/.exec(tz)!;
      off = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    }
    const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +se) - off * 60000;
    return +mo >= 1 && +mo <= 12 && +d >= 1 && +d <= 31 ? fmt(ms) : null;
  }
  return parseLoose(s);
}

function parseLoose(s: string): string | null {
  const words = s.toLowerCase().replace(/,/g, " ").split(/\s+/).filter(Boolean);
  let year: number | undefined, month: number | undefined, day: number | undefined;
  let hour = 0, minute = 0, second = 0, offset = 0, pm: boolean | undefined;
  for (const w of words) {
    let m: RegExpExecArray | null;
    const mon = MONTHS.findIndex((n) => w.startsWith(n) && /^[a-z]+\.?$/.test(w));
    if (mon >= 0 && month === undefined) month = mon;
    else if ((m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(am|pm)?$/.exec(w))) {
      hour = +m[1]; minute = +m[2]; second = m[3] ? +m[3] : 0;
      if (m[4]) pm = m[4] === "pm";
    } else if ((m = /^(\d{1,2})(am|pm)$/.exec(w))) { hour = +m[1]; pm = m[2] === "pm"; }
    else if (w === "am" || w === "pm") pm = w === "pm";
    else if ((m = /^(\d{1,2})(?:st|nd|rd|th)?$/.exec(w)) && day === undefined) day = +m[1];
    else if ((m = /^(\d{4})$/.exec(w)) && year === undefined) year = +m[1];
    else if (Object.prototype.hasOwnProperty.call(ZONES, w)) offset = ZONES[w];
    else if ((m = /^([+-])(\d{2}):?(\d{2})$/.exec(w))) offset = (m[1] === "-" ? -1 : 1) * (+m[2] * 60 + +m[3]);
    else return null;
  }
  if (year === undefined || month === undefined || day === undefined || day < 1 || day > 31) return null;
  if (pm !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return null;
  return fmt(Date.UTC(year, month, day, hour, minute, second) - offset * 60000);
}
