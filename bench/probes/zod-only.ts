// Investigation probe: zod v4 alone, imported the way lib/tools does (`import { z } from 'zod'`).
import { z } from 'zod';

const schema = z.object({ text: z.string().max(100_000) });
export async function handler(_request: Request): Promise<Response> {
  return new Response(null, { status: schema.safeParse({ text: 'x' }).success ? 401 : 500 });
}
