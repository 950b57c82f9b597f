/**
 * A syntax problem found while reading label text, before the text itself is named in the message.
 * `index.ts` turns it into a StewardError (STW_LABEL_INVALID) that quotes the whole expression.
 */
export class LabelSyntaxError extends Error {
  constructor(
    readonly detail: string,
    /** 1-based column of the problem. */
    readonly column: number,
  ) {
    super(detail);
    this.name = 'LabelSyntaxError';
  }
}
