import { strict as assert } from 'assert';
import { tslabDisplay } from '../../lib/src/report/notebook';

describe('report/notebook: display context', () => {
  it('uses tslab\'s display exactly when the kernel detection of util/ says a tslab kernel runs', () => {
    assert.equal(tslabDisplay(), null, 'plain Node: no display');
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
    jupyter.lastWriteDisplayData = () => undefined;
    try {
      const display = tslabDisplay();
      assert.equal(display, (require('tslab') as { display: unknown }).display);
    } finally {
      jupyter.lastWriteDisplayData = null;
    }
    assert.equal(tslabDisplay(), null, 'kernel gone again');
  });
});
