import { checkGoodName, goodNameProblem } from '../home/index.js';

/**
 * Checks a job name as Jenkins does, and so that it is a safe folder name (see checkGoodName).
 * Returns the name trimmed; throws STW_NAME_INVALID saying why.
 */
export function checkJobName(name: string): string {
  return checkGoodName(name, 'job');
}

/**
 * Why a folder under jobs/ cannot be a job's folder (the reason checkJobName gives, or that the
 * name has spaces around it), or undefined when it can.
 */
export function folderNameProblem(folder: string): string | undefined {
  return goodNameProblem(folder, 'job');
}
