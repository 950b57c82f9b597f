import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createXmlDocument, parseXml, serializeXml } from '../../../src/jobs/config/index.js';
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
    const text = '<a>\r\n  <y>&#65;&#x1b;</y>\r\n</a>\r\n';
    assert.equal(serializeXml(parseXml(text, 'f.xml')), '<a>\n  <y>A&#x1b;</y>\n</a>\r\n');
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
