import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStewardError } from '../../../src/errors/index.js';
import { formatLabels, parseLabelExpression, parseLabels } from '../../../src/nodes/label/index.js';

const on = (...labels: string[]): Set<string> => new Set(labels);

function rejects(text: string, message: string, column: number): void {
  assert.throws(
    () => parseLabelExpression(text),
    (err: unknown) => {
      assert.ok(isStewardError(err, 'STW_LABEL_INVALID'), `expected STW_LABEL_INVALID, got ${String(err)}`);
      assert.equal(err.message, message);
      assert.equal(err.column, column);
      return true;
    },
  );
}

describe('label expressions', () => {
  it('a single atom matches nodes that carry it', () => {
    const e = parseLabelExpression('linux');
    assert.equal(e.matches(on('linux', 'x64')), true);
    assert.equal(e.matches(on('windows')), false);
  });

  it('&& binds tighter than ||', () => {
    const e = parseLabelExpression('a || b && c');
    assert.equal(e.text, 'a || b && c');
    assert.equal(e.matches(on('a')), true);
    assert.equal(e.matches(on('b')), false);
    assert.equal(e.matches(on('b', 'c')), true);
    assert.equal(parseLabelExpression('(a || b) && c').matches(on('a')), false);
  });

  it('! binds tighter than ->', () => {
    const e = parseLabelExpression('!a -> b');
    assert.equal(e.text, '!a -> b');
    assert.equal(e.matches(on()), false);
    assert.equal(e.matches(on('b')), true);
    assert.equal(e.matches(on('a')), true);
  });

  it('-> is right-associative and looser than ||', () => {
    const e = parseLabelExpression('a -> b -> c');
    assert.equal(e.text, 'a -> b -> c');
    // a -> (b -> c): false only when a, b and not c
    assert.equal(e.matches(on('a', 'b')), false);
    assert.equal(e.matches(on('b')), true);
    const left = parseLabelExpression('(a -> b) -> c');
    assert.equal(left.text, '(a -> b) -> c');
    assert.equal(left.matches(on()), false);
    assert.equal(parseLabelExpression('a || b -> c').text, 'a || b -> c');
    assert.equal(parseLabelExpression('a || b -> c').matches(on('b')), false);
  });

  it('<-> is true when both sides agree and binds loosest', () => {
    const e = parseLabelExpression('a <-> b');
    assert.equal(e.matches(on()), true);
    assert.equal(e.matches(on('a', 'b')), true);
    assert.equal(e.matches(on('a')), false);
    const loose = parseLabelExpression('a -> b <-> c');
    assert.equal(loose.text, 'a -> b <-> c');
    assert.equal(loose.matches(on('a')), true); // (a -> b) is false, c is false
  });

  it('! can be repeated and applies to parenthesised groups', () => {
    assert.equal(parseLabelExpression('!!a').matches(on('a')), true);
    const e = parseLabelExpression('!(a && b)');
    assert.equal(e.text, '!(a && b)');
    assert.equal(e.matches(on('a', 'b')), false);
    assert.equal(e.matches(on('a')), true);
  });

  it('the text is normalised: spacing and redundant parentheses go', () => {
    assert.equal(parseLabelExpression('  linux&&(docker||podman) ').text, 'linux && (docker || podman)');
    assert.equal(parseLabelExpression('((a)) && (b && c)').text, 'a && (b && c)');
    assert.equal(parseLabelExpression('(a && b) && c').text, 'a && b && c');
    assert.equal(parseLabelExpression('a&&!b').text, 'a && !b');
  });

  it('normalised text parses back to itself', () => {
    for (const text of ['a || b && c', '!(a -> b) <-> "x y"', '(a -> b) -> c', 'a && (b || c) && !d', '"a\\"b" || c-d']) {
      const once = parseLabelExpression(text).text;
      assert.equal(parseLabelExpression(once).text, once);
    }
  });

  it('atoms may contain -, . and :', () => {
    const e = parseLabelExpression('linux-x64 && jdk:17 && ubuntu.22.04');
    assert.deepEqual([...e.atoms()], ['linux-x64', 'jdk:17', 'ubuntu.22.04']);
    assert.equal(e.matches(on('linux-x64', 'jdk:17', 'ubuntu.22.04')), true);
    assert.equal(e.matches(on('linux', 'jdk:17', 'ubuntu.22.04')), false);
  });

  it('-> is an operator even without spaces, a lone - is part of the atom', () => {
    const e = parseLabelExpression('a->b');
    assert.equal(e.text, 'a -> b');
    assert.deepEqual([...e.atoms()], ['a', 'b']);
    assert.deepEqual([...parseLabelExpression('-x && y-').atoms()], ['-x', 'y-']);
  });

  it('quoted labels may hold spaces, operators and escaped quotes', () => {
    const e = parseLabelExpression('"my label" || "a\\"b" || "x&&y"');
    assert.deepEqual([...e.atoms()], ['my label', 'a"b', 'x&&y']);
    assert.equal(e.text, '"my label" || "a\\"b" || "x&&y"');
    assert.equal(e.matches(on('a"b')), true);
    assert.equal(parseLabelExpression('"plain"').text, 'plain');
  });

  it('atoms() lists each label once', () => {
    assert.deepEqual([...parseLabelExpression('a && (a || b) && !b').atoms()], ['a', 'b']);
  });
});

describe('label expression errors', () => {
  it('a missing operand names the operator and the column', () => {
    rejects('linux &&', `label expression "linux &&": expected a label after '&&' at column 9`, 9);
    rejects('a || ) ', `label expression "a || ) ": expected a label after '||' at column 6, found ')'`, 6);
    rejects('!', `label expression "!": expected a label after '!' at column 2`, 2);
    rejects('&& a', `label expression "&& a": expected a label at column 1, found '&&'`, 1);
  });

  it('empty or blank text is rejected', () => {
    rejects('', 'label expression "": expected a label at column 1', 1);
    rejects('   ', 'label expression "   ": expected a label at column 1', 1);
  });

  it('unbalanced parentheses are reported where the ) was expected or found', () => {
    rejects('(a && b', `label expression "(a && b": expected ')' at column 8 to close the '(' at column 1, found end of expression`, 8);
    rejects('a)', `label expression "a)": unexpected ')' at column 2: no '(' to close`, 2);
    rejects('()', `label expression "()": expected a label after '(' at column 2, found ')'`, 2);
  });

  it('an unterminated quote is reported where it starts', () => {
    rejects('a && "b c', 'label expression "a && \\"b c": unterminated quoted label starting at column 6', 6);
    rejects('""', 'label expression "\\"\\"": empty quoted label at column 1', 1);
  });

  it('stray single-character operators are rejected with a hint', () => {
    rejects('a | b', `label expression "a | b": unexpected '|' at column 3 (did you mean '||'?)`, 3);
    rejects('a & b', `label expression "a & b": unexpected '&' at column 3 (did you mean '&&'?)`, 3);
    rejects('a <- b', `label expression "a <- b": unexpected '<' at column 3 (did you mean '<->'?)`, 3);
    rejects('a > b', `label expression "a > b": unexpected '>' at column 3 (did you mean '->'?)`, 3);
  });

  it('two labels without an operator between them are rejected', () => {
    rejects('linux docker', `label expression "linux docker": expected an operator after 'linux' at column 7, found 'docker'`, 7);
  });
});

describe('node label strings', () => {
  it('split on any whitespace and drop duplicates', () => {
    assert.deepEqual(parseLabels(' a b\t\tc\na '), new Set(['a', 'b', 'c']));
    assert.deepEqual(parseLabels('   '), new Set());
  });

  it('may quote labels that hold spaces', () => {
    assert.deepEqual(parseLabels('"my label" linux-x64'), new Set(['my label', 'linux-x64']));
    assert.deepEqual(parseLabels(formatLabels(['my label', 'a"b', 'c'])), new Set(['my label', 'a"b', 'c']));
  });

  it('an unterminated quote is an invalid label string', () => {
    assert.throws(() => parseLabels('a "b'), (err: unknown) => isStewardError(err, 'STW_LABEL_INVALID') && err.column === 3);
  });
});
