import type { z } from 'zod';

/** Turns zod issues into one line per field, e.g. `http.port: Too big: expected number to be <=65535`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
