/** A build's outcome, ordered from best to worst as in Jenkins' hudson.model.Result. */
export type Result = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED';

const ORDINAL: Record<Result, number> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2, NOT_BUILT: 3, ABORTED: 4 };

/** The worse of two results (Jenkins' Result.combine). */
export function combine(a: Result, b: Result): Result {
  return ORDINAL[a] >= ORDINAL[b] ? a : b;
}

export function isWorseOrEqualTo(a: Result, b: Result): boolean {
  return ORDINAL[a] >= ORDINAL[b];
}

/** Jenkins' ball colour for a result, as used in /api/json `color`. */
export function colorOf(result: Result | undefined): string {
  switch (result) {
    case 'SUCCESS':
      return 'blue';
    case 'UNSTABLE':
      return 'yellow';
    case 'FAILURE':
      return 'red';
    case 'ABORTED':
      return 'aborted';
    case 'NOT_BUILT':
    case undefined:
      return 'notbuilt';
  }
}
