/**
 * The reproduce step's notebook page and preflight: an executed notebook becomes one HTML page that loads the shared
 * plotly bundle instead of the inline copy, and every notebook's data needs follow its experiment config.
 */
import { strict as assert } from 'assert';
import { notebookPageHtml, withoutInlineBundle } from '../lib/src/cli/notebookPage';
import { howToGetAll, notebookDataNeeds } from '../lib/src/cli/notebookData';
import { figureSnippet } from '../lib/src/plot/html';

describe('notebook page (npm run reproduce)', () => {
  const figure = { data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 'T' } } };
  const snippet = figureSnippet(figure as never, 'netstats-nb-fig-1');
  const bundle = `<script>/* plotly */ var Plotly = {}; ${'x'.repeat(1000)}</script>\n`;

  it('drops the inline plotly bundle before the first figure and keeps the figure', () => {
    assert.equal(withoutInlineBundle(bundle + snippet), snippet);
    assert.equal(withoutInlineBundle(snippet), snippet);
    assert.equal(withoutInlineBundle('<script>alert(1)</script>'), '<script>alert(1)</script>', 'no figure: unchanged');
  });

  it('renders markdown, folded code, streams, errors and figures, and loads the shared bundle', () => {
    const html = notebookPageHtml(
      {
        cells: [
          { cell_type: 'markdown', source: ['# Title\n', '\n', '| a | b |\n|---|---|\n| 1 | 2 |'] },
          {
            cell_type: 'code',
            source: 'const x = 1 < 2;',
            outputs: [
              { output_type: 'stream', name: 'stdout', text: ['scale: tiny\n'] },
              { output_type: 'stream', name: 'stderr', text: 'step 1/2\n' },
              { output_type: 'stream', name: 'stderr', text: 'step 2/2\n' },
              { output_type: 'display_data', data: { 'text/html': bundle + snippet } },
              { output_type: 'display_data', data: { 'text/markdown': '**Left out:** CIFAR-10' } },
              { output_type: 'error', ename: 'Error', evalue: 'boom', traceback: ['\x1b[31mat <cell>\x1b[0m'] },
            ],
          },
        ],
      },
      { title: '00-x', subtitle: '00-x · scale tiny', bundleHref: '../plotly.min.js' },
    );
    assert.match(html, /<script src="\.\.\/plotly\.min\.js"><\/script><\/head>/);
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<th>a<\/th>/, 'GFM table');
    assert.match(html, /<summary>code<\/summary><pre>const x = 1 &lt; 2;<\/pre>/);
    assert.match(html, /<pre class="stream stdout">scale: tiny\n<\/pre>/);
    assert.match(html, /<summary>log \(2 lines\)<\/summary><pre class="stream stderr">step 1\/2\nstep 2\/2\n<\/pre>/, 'consecutive stderr messages merged and folded');
    assert.ok(html.includes(snippet));
    assert.ok(!html.includes('var Plotly = {}'), 'inline bundle dropped');
    assert.match(html, /<strong>Left out:<\/strong> CIFAR-10/);
    assert.match(html, /<pre class="error">Error: boom\nat &lt;cell&gt;<\/pre>/, 'colour codes stripped, text escaped');
  });
});

describe('reproduce preflight: data per notebook', () => {
  it('follows the experiment configs by scale', () => {
    assert.deepEqual(notebookDataNeeds('02-parameter-change', 'tiny'), ['mnist']);
    assert.deepEqual(notebookDataNeeds('02-parameter-change', 'quick').sort(), ['cifar10', 'mnist']);
    assert.deepEqual(notebookDataNeeds('01-distribution-masking', 'tiny').sort(), ['cifar10', 'darknet-tiny', 'fashion-mnist', 'imagenet-sample', 'mnist']);
    assert.ok(notebookDataNeeds('05-architectures-and-transfer', 'tiny').includes('cifar10'));
    assert.deepEqual(notebookDataNeeds('03-activation-variance', 'quick'), ['mnist', 'fashion-mnist']);
    assert.deepEqual(notebookDataNeeds('99-unknown', 'quick'), []);
  });

  it('gets the fetchable data with one command', () => {
    assert.deepEqual(howToGetAll(['cifar10', 'darknet-tiny']), ['npm run datasets -- --fetch cifar10 darknet-tiny']);
    assert.equal(howToGetAll(['fashion-mnist'])[0]?.startsWith('Debian/Ubuntu: `apt-get install dataset-fashion-mnist`'), true);
  });
});
