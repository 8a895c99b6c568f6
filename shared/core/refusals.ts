/** Refusals several capabilities share. */
import { badRequest, notFound } from '../errors';
import type { FileName } from '../names';

/**
 * The answer for a name with no file: 404, unless the name is one v2 no longer lets anyone create, in
 * which case the name rule is what the caller needs to hear (a v1 file of that name is still reachable).
 */
export const noSuchFile = (name: FileName) =>
  name.portabilityProblem === null
    ? notFound(`no file named ${name.name}`)
    : badRequest(name.portabilityProblem);

export const foreignCursor = () => badRequest('cursor is not one this server issued for this listing');
