/*
 * A build's changelog.xml, as the git plugin keeps it: despite its name, the raw text of
 * `git whatchanged --no-abbrev -M --format=<RAW>` from the previous build's revision to this one
 * (git-client's CliGitAPIImpl.changelog), which GitChangeLogParser reads back:
 *
 *   commit 4f9b…
 *   tree 2a1c…
 *   parent 91d0…
 *   author Ann Author <ann@example.com> 2024-05-01 10:00:00 +0000
 *   committer Ann Author <ann@example.com> 2024-05-01 10:00:00 +0000
 *
 *       Subject line
 *
 *       Body
 *
 *   :100644 100644 5716ca… 8f94… M	README.md
 */

/** The `--format` git-client gives: a raw header, then the message indented by four spaces. */
export const RAW_FORMAT = 'commit %H%ntree %T%nparent %P%nauthor %aN <%aE> %ai%ncommitter %cN <%cE> %ci%n%n%w(0,4,4)%B';

/** Commits recorded in one build's changelog at most (git-client's default for a changelog). */
export const MAX_CHANGELOG_COMMITS = 1024;

interface Person {
  readonly name: string;
  readonly email: string;
  /** `2024-05-01 10:00:00 +0000` */
  readonly date: string;
  readonly time: number;
}

/** One commit of a changelog (the plugin's GitChangeSet). */
export interface GitChange {
  readonly commitId: string;
  readonly parents: readonly string[];
  readonly author: Person | undefined;
  readonly committer: Person | undefined;
  /** The whole message, without the indentation. */
  readonly comment: string;
  readonly paths: readonly { readonly editType: 'add' | 'edit' | 'delete'; readonly file: string; readonly src?: string }[];
}

/** Reads changelog text; lines it does not know are skipped, as GitChangeLogParser does. */
export function parseChangelog(text: string): GitChange[] {
  const out: GitChange[] = [];
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) {
      const change = parseCommit(lines);
      if (change !== undefined) out.push(change);
    }
    lines = [];
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('commit ')) flush();
    lines.push(line);
  }
  flush();
  return out;
}

function parseCommit(lines: readonly string[]): GitChange | undefined {
  const id = /^commit ([0-9a-f]{40})/.exec(lines[0] ?? '')?.[1];
  if (id === undefined) return undefined;
  let parents: string[] = [];
  let author: Person | undefined;
  let committer: Person | undefined;
  const message: string[] = [];
  const paths: { editType: 'add' | 'edit' | 'delete'; file: string; src?: string }[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith('parent ')) {
      parents = line.slice('parent '.length).trim().split(/\s+/).filter((p) => p !== '');
    } else if (line.startsWith('author ')) {
      author = person(line.slice('author '.length));
    } else if (line.startsWith('committer ')) {
      committer = person(line.slice('committer '.length));
    } else if (line.startsWith('    ')) {
      message.push(line.slice(4));
    } else if (line.startsWith(':')) {
      const path = rawPath(line);
      if (path !== undefined) paths.push(path);
    }
  }
  return { commitId: id, parents, author, committer, comment: `${message.join('\n').trimEnd()}\n`, paths };
}

/** `Name <email> 2024-05-01 10:00:00 +0000` (or, from older git-client, seconds since the epoch). */
function person(text: string): Person | undefined {
  const m = /^(.*?) <([^>]*)> (.+)$/.exec(text.trim());
  if (m === null) return undefined;
  const [, name = '', email = '', date = ''] = m;
  const iso = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)$/.exec(date);
  const epoch = /^(\d+) ([+-]\d{4})$/.exec(date);
  let time = Number.NaN;
  if (iso !== null) time = Date.parse(`${iso[1]}T${iso[2]}${iso[3]}:${iso[4]}`);
  else if (epoch !== null) time = Number(epoch[1]) * 1000;
  return { name, email, date, time: Number.isFinite(time) ? time : -1 };
}

/** `:100644 100644 a b M\tfile`, `:000000 100644 0 b A\tfile`, `:100644 100644 a b R100\told\tnew`. */
function rawPath(line: string): { editType: 'add' | 'edit' | 'delete'; file: string; src?: string } | undefined {
  const [meta = '', first, second] = line.split('\t');
  const action = meta.trim().split(/\s+/)[4]?.charAt(0);
  if (first === undefined || action === undefined) return undefined;
  switch (action) {
    case 'A':
    case 'C':
      return { editType: 'add', file: second ?? first };
    case 'D':
      return { editType: 'delete', file: first };
    case 'R':
      // The plugin shows a rename as the new path added (and, before git plugin 4, the old deleted).
      return second === undefined ? { editType: 'edit', file: first } : { editType: 'add', file: second, src: first };
    default:
      return { editType: 'edit', file: first };
  }
}

/**
 * The change set as Jenkins' JSON API shows it (GitChangeSetList with GitChangeSets). `author`
 * is the committer unless the job has AuthorInChangelog, as in the plugin.
 */
export function changeSetJson(changes: readonly GitChange[], authorInChangelog: boolean): Record<string, unknown> {
  return {
    _class: 'hudson.plugins.git.GitChangeSetList',
    items: changes.map((c) => {
      const who = (authorInChangelog ? c.author : c.committer) ?? c.author;
      const title = c.comment.split('\n')[0] ?? '';
      return {
        _class: 'hudson.plugins.git.GitChangeSet',
        affectedPaths: c.paths.map((p) => p.file),
        commitId: c.commitId,
        timestamp: who?.time ?? -1,
        author: { fullName: who?.name ?? '' },
        authorEmail: who?.email ?? '',
        comment: c.comment,
        date: who?.date ?? '',
        id: c.commitId,
        msg: title,
        paths: c.paths.map((p) => ({ editType: p.editType, file: p.file })),
      };
    }),
    kind: 'git',
  };
}
