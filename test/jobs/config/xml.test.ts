import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createXmlDocument, parseXml, parseXmlOffLoop, serializeXml, XML_LIMITS } from '../../../src/xml/index.js';
import { isStewardError } from '../../../src/errors/index.js';
import { catchSteward, fixture } from './helpers.js';

describe('xml document model', () => {
  for (const name of ['freestyle-full.xml', 'freestyle-minimal.xml', 'freestyle-old-forms.xml', 'build-jenkins.xml']) {
    it(`writes Jenkins-written ${name} back byte for byte`, () => {
      const text = fixture(name);
      assert.equal(serializeXml(parseXml(text, name)), text);
    });
  }

  it('keeps the declaration quotes, comments, CDATA, attributes and a trailing newline', () => {
    const text = `<?xml version='1.1' encoding='UTF-8'?>\n<!-- exported -->\n<project a="x &amp; &quot;y&quot; &apos;z&apos;">\n  <!-- keep me -->\n  <s><![CDATA[<raw> & ]]></s>\n  <e/>\n</project>\n`;
    assert.equal(serializeXml(parseXml(text, 'f.xml')), text);
  });

  it('decodes entities once, so an escaped entity stays text', () => {
    const doc = parseXml('<a><b>&amp;#10; &lt;&gt;&amp;&quot;&apos; &#65;&#x42; &#xd;</b></a>', 'f.xml');
    assert.equal(doc.root.childText('b'), '&#10; <>&"\' AB \r');
    assert.equal(serializeXml(doc), '<a><b>&amp;#10; &lt;&gt;&amp;&quot;&apos; AB &#xd;</b></a>');
  });

  it('keeps <x></x> (an empty string to XStream) apart from <x/> (an empty element)', () => {
    const text = '<a><x></x><y/><z a="1"></z><w a="1"/></a>';
    assert.equal(serializeXml(parseXml(text, 'f.xml')), text);
  });

  it('differs from the input only in what Jenkins never writes: CRLF inside the root, numeric references', () => {
    const text = "<?xml version='1.1'?>\n<a>\r\n  <y>&#65;&#x1b;</y>\r\n</a>\r\n";
    assert.equal(serializeXml(parseXml(text, 'f.xml')), "<?xml version='1.1'?>\n<a>\n  <y>A&#x1b;</y>\n</a>\r\n");
  });

  it('names file, line and column of malformed XML', () => {
    const err = catchSteward('STW_XML_MALFORMED', () =>
      parseXml("<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <builders>\n    <a/>\n</project>\n", 'jobs/foo/config.xml'),
    );
    assert.equal(err.file, 'jobs/foo/config.xml');
    assert.equal(err.line, 5);
    assert.equal(err.column, 1);
    assert.match(err.message, /^jobs\/foo\/config\.xml:5:1: Expected closing tag 'builders' \(opened in line 3/);
  });

  it('refuses an empty file, an unknown entity and a DOCTYPE as malformed', () => {
    assert.match(catchSteward('STW_XML_MALFORMED', () => parseXml('', 'e.xml')).message, /^e\.xml:1/);
    const entity = catchSteward('STW_XML_MALFORMED', () => parseXml('<a>\n  <b>&nbsp;</b>\n</a>', 'e.xml'));
    assert.equal(entity.message, "e.xml:2:6: unknown entity reference '&nbsp;'");
    const doctype = catchSteward('STW_XML_MALFORMED', () => parseXml('<!DOCTYPE a [<!ENTITY x "y">]>\n<a>&x;</a>', 'e.xml'));
    assert.equal(doctype.line, 1);
  });

  it('refuses a second root element, naming its line and column', () => {
    const err = catchSteward('STW_XML_MALFORMED', () => parseXml('<project/>\n  <project/>\n', 'jobs/two/config.xml'));
    assert.equal(err.message, 'jobs/two/config.xml:2:3: a document has one root element; a second one, <project>, starts here');
    assert.deepEqual([err.line, err.column], [2, 3]);
    catchSteward('STW_XML_MALFORMED', () => parseXml('<project/>text', 'f.xml'));
  });

  it('refuses character references to characters XML does not allow, naming line and column', () => {
    const nul = catchSteward('STW_XML_MALFORMED', () => parseXml("<?xml version='1.1'?>\n<a>\n  <c>x&#0;y</c>\n</a>", 'f.xml'));
    assert.equal(nul.message, "f.xml:3:7: '&#0;' refers to U+0000, which XML 1.1 does not allow");
    assert.deepEqual([nul.line, nul.column], [3, 7]);
    for (const ref of ['&#xD800;', '&#xFFFE;', '&#x110000;', '&#0;']) {
      const err = catchSteward('STW_XML_MALFORMED', () => parseXml(`<a b="${ref}"/>`, 'f.xml'));
      assert.match(err.message, /which XML 1\.0 does not allow$/);
    }
  });

  it('reads &#1; to &#x1F; in an XML 1.1 document, as Jenkins writes control characters there', () => {
    const doc = parseXml("<?xml version='1.1' encoding='UTF-8'?>\n<a><c>&#1;&#x1f;&#xd;</c></a>", 'f.xml');
    assert.equal(doc.root.childText('c'), '\u0001\u001f\r');
  });

  it("reads &#1; to &#x1F; in an XML 1.0 document too, as older Jenkins homes hold them, and writes them back as they were", () => {
    const text = "<?xml version='1.0' encoding='UTF-8'?>\n<a><c>&#x1b;[0m&#x1;</c></a>";
    const doc = parseXml(text, 'f.xml');
    assert.equal(doc.root.childText('c'), '\u001b[0m\u0001');
    assert.equal(serializeXml(doc), text);
  });

  it('refuses raw characters XML does not allow (NUL, and C0 and C1 controls in XML 1.1), naming line and column', () => {
    const nul = catchSteward('STW_XML_MALFORMED', () => parseXml('<a>\n  <command>rm x\u0000y</command>\n</a>', 'f.xml'));
    assert.equal(nul.message, 'f.xml:2:16: the character U+0000 may not appear in an XML 1.0 document');
    assert.deepEqual([nul.line, nul.column], [2, 16]);
    catchSteward('STW_XML_MALFORMED', () => parseXml('<a>\u0001</a>', 'f.xml'));
    catchSteward('STW_XML_MALFORMED', () => parseXml('<a>\uFFFF</a>', 'f.xml'));
    catchSteward('STW_XML_MALFORMED', () => parseXml('<a>\uD800</a>', 'f.xml'));
    catchSteward('STW_XML_MALFORMED', () => parseXml("<?xml version='1.1'?><a>\u0085\u009b</a>", 'f.xml'));
    // XML 1.0 allows raw C1 controls.
    assert.equal(parseXml('<a>\u0085</a>', 'f.xml').root.text(), '\u0085');
  });

  it('refuses a document larger than the size limit before parsing it', () => {
    const big = `<project><d>${'x'.repeat(XML_LIMITS.maxBytes)}</d></project>`;
    const err = catchSteward('STW_REQUEST_TOO_LARGE', () => parseXml(big, 'jobs/big/config.xml'));
    assert.equal(err.message, 'jobs/big/config.xml is 4.0 MiB; an XML document may be at most 4 MiB');
  });

  it('refuses more elements or attributes than the limits, and nesting deeper than the limit, naming the limit and where', () => {
    const many = catchSteward('STW_REQUEST_TOO_LARGE', () => parseXml(`<project>${'<a/>'.repeat(XML_LIMITS.maxElements)}</project>`, 'f.xml'));
    assert.equal(many.message, `f.xml:1:${10 + 4 * (XML_LIMITS.maxElements - 1)}: an XML document may have at most 100,000 elements`);
    const attrs = Array.from({ length: XML_LIMITS.maxAttributesPerElement }, (_, i) => `a${i}="1"`).join(' ');
    const perElement = Math.ceil(XML_LIMITS.maxAttributes / XML_LIMITS.maxAttributesPerElement) + 1;
    assert.match(catchSteward('STW_REQUEST_TOO_LARGE', () => parseXml(`<r>${`<a ${attrs}/>`.repeat(perElement)}</r>`, 'f.xml')).message, /at most 100,000 attributes$/);
    assert.match(catchSteward('STW_REQUEST_TOO_LARGE', () => parseXml(`<a ${attrs} b="1"/>`, 'f.xml')).message, /^f\.xml:1:1: an XML element may have at most 256 attributes$/);
    const deep = catchSteward('STW_REQUEST_TOO_LARGE', () => parseXml(`${'<a>\n'.repeat(XML_LIMITS.maxDepth + 1)}${'</a>'.repeat(XML_LIMITS.maxDepth + 1)}`, 'f.xml'));
    assert.equal(deep.message, `f.xml:${XML_LIMITS.maxDepth + 1}:1: XML elements may be nested at most 100 deep`);
    // Markup inside comments and CDATA is text, not elements.
    const text = `<a><!--${'<b>'.repeat(200)}--><![CDATA[${'<c>'.repeat(200)}]]></a>`;
    assert.equal(serializeXml(parseXml(text, 'f.xml')), text);
  });

  it('parses a large document off the event loop into the same document, errors included', async () => {
    const steps = Array.from({ length: 3000 }, (_, i) => `    <hudson.tasks.Shell>\n      <command>echo ${i} &amp;&amp; true</command>\n    </hudson.tasks.Shell>`).join('\n');
    const text = `<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <builders>\n${steps}\n  </builders>\n  <e></e>\n</project>\n`;
    const doc = await parseXmlOffLoop(text, 'jobs/big/config.xml');
    assert.equal(serializeXml(doc), text);
    const last = doc.root.child('builders')?.children().at(-1);
    assert.deepEqual([last?.path, last?.line, last?.column, last?.childText('command')], ['builders/hudson.tasks.Shell[3000]', 9001, 5, 'echo 2999 && true']);
    await assert.rejects(parseXmlOffLoop(`${text}<project/>`, 'jobs/big/config.xml'), (e: unknown) => isStewardError(e, 'STW_XML_MALFORMED') && e.line === 9007 && e.file === 'jobs/big/config.xml');
  });

  it('lets <!DOCTYPE appear as CDATA or comment text inside the root', () => {
    const text = '<a><t><![CDATA[<!DOCTYPE html>]]></t><!-- <!DOCTYPE x> --></a>';
    assert.equal(serializeXml(parseXml(text, 'f.xml')), text);
  });

  it('gives elements a path and the line and column of their start tag', () => {
    const doc = parseXml('<project>\n  <builders>\n    <s/>\n    <t/>\n    <s/>\n  </builders>\n</project>', 'f.xml');
    const steps = doc.root.child('builders')?.children() ?? [];
    assert.deepEqual(
      steps.map((s) => [s.path, s.line, s.column]),
      [
        ['builders/s[1]', 3, 5],
        ['builders/t[1]', 4, 5],
        ['builders/s[2]', 5, 5],
      ],
    );
  });

  it('reads attributes, text and descendants', () => {
    const doc = parseXml('<p><w plugin="x@1"><info><c>a\nb</c></info></w></p>', 'f.xml');
    const w = doc.root.child('w');
    assert.equal(w?.attribute('plugin'), 'x@1');
    assert.equal(w?.attribute('missing'), undefined);
    assert.equal(w?.descendant('info/c')?.text(), 'a\nb');
    assert.equal(w?.descendant('info/nope'), undefined);
  });

  it('adds a missing child after its predecessor, indented like its siblings', () => {
    const doc = parseXml('<project>\n  <a>1</a>\n  <c>3</c>\n</project>', 'f.xml');
    doc.root.setChildText('b', 'two & 2', ['a']);
    doc.root.setChildText('first', '0');
    doc.root.setChildText('c', '');
    assert.equal(serializeXml(doc), '<project>\n  <first>0</first>\n  <a>1</a>\n  <b>two &amp; 2</b>\n  <c></c>\n</project>');
  });

  it('builds new documents the way XStream lays them out', () => {
    const doc = createXmlDocument(
      { name: 'r', children: [{ name: 'x', text: 'a<b' }, { name: 'e' }, { name: 's', text: '' }, { name: 'l', attributes: { class: 'list' }, children: [{ name: 'i', text: '1' }] }] },
      'r.xml',
    );
    assert.equal(
      serializeXml(doc),
      "<?xml version='1.1' encoding='UTF-8'?>\n<r>\n  <x>a&lt;b</x>\n  <e/>\n  <s></s>\n  <l class=\"list\">\n    <i>1</i>\n  </l>\n</r>",
    );
  });
});
