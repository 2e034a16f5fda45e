import { strict as assert } from 'assert';
import * as net from 'net';
import { parseQueueUrl, QueueUrlError } from '../../lib/src/queue/redisUrl';
import { checkServer } from '../../lib/src/queue/server';
import { takeOption } from '../../lib/src/cli/options';

describe('queue: the Redis URL', () => {
  it('reads host, port, database, credentials and TLS', () => {
    const plain = parseQueueUrl('redis://10.0.0.5:6380', '--queue');
    assert.deepEqual(plain, { host: '10.0.0.5', port: 6380, db: 0, tls: false, display: 'redis://10.0.0.5:6380' });
    assert.equal(parseQueueUrl('redis://queue.lan', '--queue').port, 6379);
    const full = parseQueueUrl('rediss://worker:s%40cret@queue.lan:7000/3', '--queue');
    assert.deepEqual(full, { host: 'queue.lan', port: 7000, db: 3, tls: true, username: 'worker', password: 's@cret', display: 'rediss://queue.lan:7000/3' });
    assert.ok(!full.display.includes('cret'), 'the password stays out of messages');
  });

  it('refuses what is not a Redis URL, naming the parameter and the value', () => {
    const cases: [string, RegExp][] = [
      ['127.0.0.1:6379', /not a URL|scheme/],
      ['http://127.0.0.1:6379', /the scheme is 'http', not redis or rediss/],
      ['redis://127.0.0.1:99999', /not a URL|outside 1-65535/],
      ['redis://127.0.0.1:6379/abc', /not a database number/],
      ['redis://:6379', /not a URL|no host/],
    ];
    for (const [value, why] of cases) {
      assert.throws(() => parseQueueUrl(value, '--queue'), (err: unknown) => {
        assert.ok(err instanceof QueueUrlError, value);
        assert.match(err.message, /^--queue "/);
        assert.ok(err.message.includes(JSON.stringify(value)), err.message);
        assert.match(err.message, why);
        assert.match(err.message, /expected redis:\/\/host:port/);
        return true;
      });
    }
  });

  it('a port where nothing listens is an error naming the parameter, not a hang', async () => {
    // A port that was free a moment ago: bind, read the port, close.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const started = Date.now();
    await assert.rejects(checkServer(parseQueueUrl(`redis://127.0.0.1:${port}`, '--queue'), '--queue', 3000), (err: Error) => {
      assert.match(err.message, new RegExp(`^--queue redis://127\\.0\\.0\\.1:${port}: cannot reach Redis there \\(ECONNREFUSED\\)`));
      return true;
    });
    assert.ok(Date.now() - started < 3000);
  });

  it('--queue takes a value in either form and refuses a missing one', () => {
    assert.deepEqual(takeOption(['02', '--queue', 'redis://h:1', '--no-export'], '--queue'), { value: 'redis://h:1', rest: ['02', '--no-export'] });
    assert.deepEqual(takeOption(['--queue=redis://h:1', '02'], '--queue'), { value: 'redis://h:1', rest: ['02'] });
    assert.deepEqual(takeOption(['02'], '--queue'), { value: undefined, rest: ['02'] });
    assert.throws(() => takeOption(['02', '--queue'], '--queue'), /--queue needs a value/);
    assert.throws(() => takeOption(['--queue', '--no-export'], '--queue'), /--queue needs a value/);
  });
});
