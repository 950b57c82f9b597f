import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EMAIL_EXT_DEFAULTS } from './settings.js';
import { MAX_EXPANDED_CHARS, expandTokens, type DefaultTexts, type TokenValues } from './tokens.js';

const defaults: DefaultTexts = {
  DEFAULT_SUBJECT: EMAIL_EXT_DEFAULTS.subject,
  DEFAULT_CONTENT: EMAIL_EXT_DEFAULTS.body,
  DEFAULT_RECIPIENTS: 'team@example.com',
  DEFAULT_REPLYTO: '',
  PROJECT_DEFAULT_SUBJECT: '$DEFAULT_SUBJECT',
  PROJECT_DEFAULT_CONTENT: 'Project: $DEFAULT_CONTENT',
  PROJECT_DEFAULT_REPLYTO: '$DEFAULT_REPLYTO',
};

function values(env: Record<string, string> = {}, log: string[] = []): TokenValues {
  return { jobName: 'api', buildNumber: 7, buildStatus: 'Failure', env: { BUILD_URL: 'https://ci.example.com/job/api/7/', ...env }, logTail: (n) => Promise.resolve(log.slice(-n)) };
}

describe('email-ext tokens', () => {
  test('the project defaults name the global ones, which name the build\'s tokens', async () => {
    assert.equal(await expandTokens('$PROJECT_DEFAULT_SUBJECT', defaults, values()), 'api - Build # 7 - Failure!');
    assert.equal(await expandTokens('${PROJECT_DEFAULT_CONTENT}', defaults, values()), 'Project: api - Build # 7 - Failure:\n\nCheck console output at https://ci.example.com/job/api/7/ to view the results.');
    assert.equal(await expandTokens('$DEFAULT_RECIPIENTS, lead@example.com', defaults, values()), 'team@example.com, lead@example.com');
  });

  test('a variable\'s value is not read as tokens again, $$ is a dollar, and unknown tokens stay', async () => {
    assert.equal(await expandTokens('$GIT_BRANCH costs $$3 ${UNKNOWN_THING, x=1} $BUILD_LOG', defaults, values({ GIT_BRANCH: '$BUILD_LOG' }, ['secret? no'])), '$BUILD_LOG costs $3 ${UNKNOWN_THING, x=1} secret? no\n');
  });

  test('${BUILD_LOG} takes 250 lines unless told, escapes HTML when asked', async () => {
    const log = Array.from({ length: 300 }, (_, i) => `<line ${i}>`);
    const all = await expandTokens('${BUILD_LOG}', defaults, values({}, log));
    assert.equal(all.split('\n').length - 1, 250);
    assert.equal(await expandTokens('${BUILD_LOG, maxLines=2, escapeHtml=true}', defaults, values({}, log)), '&lt;line 298&gt;\n&lt;line 299&gt;\n');
  });

  test('an expansion that would grow without bound is cut', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const text = await expandTokens('$BIG'.repeat(10), defaults, values({ BIG: big }));
    assert.ok(text.length < MAX_EXPANDED_CHARS + 200);
    assert.match(text, /\[cut: the text is longer than \d+ characters\]$/);
  });
});
