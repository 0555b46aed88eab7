import nock from 'nock';
import axios from 'axios';
import { it } from 'vitest';
it('probe', async () => {
  nock('https://t.example.com').get('/x').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
  try { await axios.get('https://t.example.com/x', { adapter: 'http' }); } catch (e: any) { console.log('ERR', e.code, e.message, e.cause?.code); }
  nock('https://t.example.com').put('/y').reply(function (uri, body) { console.log('REQ', JSON.stringify(this.req.headers), typeof body, body); return [200, {a:1}]; });
  const r = await axios.put('https://t.example.com/y', JSON.stringify({b:2}), { adapter: 'http', headers: {'Accept-API-Version': 'resource=1.0', 'Content-Type': 'application/json'} });
  console.log(r.status, r.data);
});
