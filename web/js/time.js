/** Dates and durations as shoppers read them, in their own locale and time zone. */

import { h } from './dom.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const precise = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

/** "Dec 6, 2026, 11:19 PM". */
export function formatDateTime(iso) {
  return dateTime.format(new Date(iso));
}

/** "Dec 6, 2026, 11:19:17 PM", for timelines where seconds matter. */
export function formatPrecise(iso) {
  return precise.format(new Date(iso));
}

/** "11:34 PM". */
export function formatTimeOfDay(iso) {
  return timeOfDay.format(new Date(iso));
}

/** Seconds → "1 h 02 min", "4 min 05 s", "12 s". */
export function formatDuration(totalSeconds) {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const two = (n) => String(n).padStart(2, '0');
  if (hours > 0) return `${hours} h ${two(minutes)} min`;
  if (minutes > 0) return `${minutes} min ${two(rest)} s`;
  return `${rest} s`;
}

/** A `<time>` element showing `iso` formatted by `format`. */
export function timeElement(iso, format = formatDateTime) {
  return h('time', { datetime: iso }, format(iso));
}
