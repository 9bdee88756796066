import type { EventView as ServiceEvent } from "../../api/types";

const MAX_EVENTS = 1000;

/**
 * The events list with one more, kept newest first by time: a stream sends the past events,
 * then each new or repeated one as it comes, and a repeat (Kubernetes counting the same event
 * up, with a later time) replaces the row it repeats instead of adding one.
 */
export function addEvent(events: ServiceEvent[], e: ServiceEvent): ServiceEvent[] {
  const same = (o: ServiceEvent) => o.object === e.object && o.reason === e.reason && o.type === e.type && o.message === e.message;
  const rest = events.filter((o) => !same(o));
  const at = Date.parse(e.time);
  // Above the events of its time or earlier: among equals, the last to arrive is the newest.
  const index = rest.findIndex((o) => Date.parse(o.time) <= at);
  const out = index < 0 ? [...rest, e] : [...rest.slice(0, index), e, ...rest.slice(index)];
  return out.slice(0, MAX_EVENTS);
}

/** An event's time to the second: a pod's events follow one another within a minute. */
export function formatEventTime(iso: string, lang: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium" }).format(d);
}
