/** Durations as Jenkins' Util.getTimeSpanString writes them: `4.9 sec`, `12 sec`, `3 min 5 sec`. */
export function timeSpan(ms: number): string {
  const t = Math.max(0, Math.floor(ms));
  if (t < 1000) return `${t} ms`;
  if (t < 10_000) return `${Math.floor(t / 100) / 10} sec`;
  const sec = Math.floor(t / 1000);
  if (sec < 60) return `${sec} sec`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min} min ${sec % 60} sec`;
  const hr = Math.floor(min / 60);
  if (hr < 24) return `${hr} hr ${min % 60} min`;
  const days = Math.floor(hr / 24);
  return `${days} ${days === 1 ? 'day' : 'days'} ${hr % 24} hr`;
}
