/** Hours that exclude now whenever a test runs: one hour, six hours from now, in UTC; and how a node says when they start. */
export function hoursAhead(now = new Date()): { hours: string; until: string } {
  const start = (now.getUTCHours() + 6) % 24;
  const hours = `${String(start).padStart(2, '0')}:00-${String((start + 1) % 24).padStart(2, '0')}:00`;
  const tomorrow = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(now.getUTCDay() + 1) % 7];
  return { hours, until: `${start < now.getUTCHours() ? `${tomorrow} ` : ''}${hours.slice(0, 5)}` };
}
