import type { FastifyReply } from 'fastify';
import type { Job } from '../jobs/index.js';
import { notRunCount, notRunOf } from './model.js';

/**
 * Steward's header on the answer to createItem and POST config.xml: how many elements of the
 * config just saved this controller will not run (0 when it runs all of it). Jenkins has none,
 * and its clients ignore it.
 */
export const NOT_RUN_HEADER = 'X-Steward-Not-Run';

/**
 * Answers 200 for a config saved under `job`, with the header and a JSON body listing what of it
 * will not run (`{"name": ..., "notRunCount": N, "notRun": [...]}`, each element as in the job's
 * api/json, at most NOT_RUN_LISTED of them; the count and the header count all). Jenkins
 * answers an empty body; python-jenkins, Jenkins Job Builder and the node `jenkins` client do not
 * read it, so the body is always there and who reads it learns without a second request.
 */
export async function sendNotRun(reply: FastifyReply, job: Job): Promise<void> {
  const count = notRunCount(job);
  await reply
    .status(200)
    .header(NOT_RUN_HEADER, String(count))
    .header('content-type', 'application/json;charset=utf-8')
    .send(JSON.stringify({ name: job.name, notRunCount: count, notRun: notRunOf(job) }));
}
